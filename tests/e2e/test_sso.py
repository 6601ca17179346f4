"""In Chromium, against a real provider process: /login shows a button per configured provider; "Sign in with Acme
ID" goes to the provider's page, back to Timeboard, asks an existing account's password once to link it, and lands
on the dashboard; the next time it signs in at once. A new person signs up with the other provider, and a refusal
at the provider lands on /login with the reason. The CSP fixture fails the test if the policy blocks any step
(form-action must let the buttons' redirects through)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import screenshot
from tests.sso import TestProvider

pytestmark = pytest.mark.e2e


@pytest.fixture()
def provider():
    started = TestProvider()
    yield started
    started.stop()


@pytest.fixture()
def sso_server(start_web, start_workers, provider, db):
    """A web process with two providers (both served by the test provider, under two names) and the workers."""
    env = {"OIDC_PROVIDERS": "acme,corp", **provider.env("acme", "Acme ID"), **provider.env("corp", "Corp SSO")}
    base = start_web(workers=1, **env)
    start_workers()
    return base


def at_provider(page, provider: TestProvider, sub: str, action: str = "Allow") -> None:
    page.wait_for_url(lambda url: url.startswith(provider.url + "/authorize?"))
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name=action).click()


def test_sign_in_with_a_provider_links_the_account_once_then_goes_straight_in(sso_server, provider, factory, browser,
                                                                             page):
    base = sso_server
    org = factory.organization(name="Acme")
    factory.user(org, Role.OWNER, email="owner@example.com", name="Olive Owner")
    provider.person("sub-olive", email="owner@example.com", email_verified=True, name="Olive at Acme")

    page.goto(f"{base}/login")
    buttons = page.get_by_test_id("sso-buttons").get_by_role("button")
    expect(buttons).to_have_count(2)
    expect(buttons).to_have_text(["Sign in with Acme ID", "Sign in with Corp SSO"])
    screenshot(page, "sso-login-buttons")

    page.get_by_test_id("sso-acme").click()
    at_provider(page, provider, "sub-olive")
    page.wait_for_url(f"{base}/login/sso/confirm")
    expect(page.get_by_test_id("sso-confirm")).to_contain_text("owner@example.com")
    page.get_by_test_id("sso-confirm-password").fill("wrong password")
    page.get_by_test_id("sso-confirm-submit").click()
    expect(page.locator(".field-error .error")).to_have_text("This is not the password of that account.")
    page.get_by_test_id("sso-confirm-password").fill("password")
    page.get_by_test_id("sso-confirm-submit").click()
    page.wait_for_url(f"{base}/dashboard")
    expect(page.locator(".flash-success")).to_contain_text("Acme ID is now linked to your account")
    expect(page.get_by_test_id("dashboard-metrics")).to_be_visible(timeout=20000)
    screenshot(page, "sso-linked-dashboard")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/login")
    page.get_by_test_id("sso-acme").click()
    at_provider(page, provider, "sub-olive")
    page.wait_for_url(f"{base}/dashboard")  # no question asked any more
    page.goto(f"{base}/settings")
    expect(page.get_by_test_id("sso-row-acme")).to_contain_text("Linked as owner@example.com")
    expect(page.get_by_test_id("sso-row-corp")).to_contain_text("Not linked")


def test_a_new_person_signs_up_with_a_provider_and_a_refusal_lands_on_login(sso_server, provider, browser, page, db):
    base = sso_server
    provider.person("sub-nina", email="nina@example.com", email_verified=True, name="Nina Newcomer")

    page.goto(f"{base}/login")
    page.get_by_test_id("sso-corp").click()
    at_provider(page, provider, "sub-nina", action="Deny")
    page.wait_for_url(lambda url: url.startswith(f"{base}/login"))
    expect(page.locator(".flash-error")).to_have_text("You did not allow the sign-in with Corp SSO, so you are not "
                                                      "signed in.")

    page.get_by_test_id("sso-corp").click()
    at_provider(page, provider, "sub-nina")
    page.wait_for_url(f"{base}/organizations/new")
    expect(page.locator(".flash-success")).to_contain_text("Welcome to Timeboard, Nina Newcomer")
    page.goto(f"{base}/settings")
    expect(page.get_by_test_id("no-password")).to_be_visible()
    expect(page.get_by_test_id("sso-last-way-in")).to_be_visible()
    screenshot(page, "sso-new-account-settings")
    page.get_by_test_id("set-password").click()  # the way to a password: the reset link, to their address
    expect(page.get_by_test_id("check-email")).to_contain_text("nina@example.com")
