"""In Chromium, with the CSP on: an owner sets up two-factor sign-in (the QR code drawn from a data: SVG, the key,
a code, then the recovery codes shown once), signs out, signs in with a code, then with a recovery code that works
once; then requires it of the organization, and a member signing in is sent to set it up before anything else."""
from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _code(secret: str, offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + offset)


def _password_step(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")


def _enrol(page, base: str) -> tuple[str, list[str]]:
    qr = page.get_by_test_id("two-factor-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
    secret = page.get_by_test_id("two-factor-secret").inner_text()
    page.get_by_test_id("two-factor-code").fill("000000" if _code(secret) != "000000" else "111111")
    page.get_by_test_id("enable-two-factor").click()
    expect(page.locator(".field-error .error")).to_contain_text("That code is not right")  # the 422, inline
    page.get_by_test_id("two-factor-code").fill(_code(secret))
    page.get_by_test_id("enable-two-factor").click()
    page.wait_for_url(f"{base}/settings/two-factor/recovery-codes")
    codes = page.get_by_test_id("recovery-code").all_inner_texts()
    assert len(codes) == 10
    return secret, codes


def test_two_factor_enrolment_sign_in_with_a_code_and_a_recovery_code_and_an_owner_requiring_it(
        start_web, factory, browser):
    base = start_web()
    org = factory.organization(name="Acme")
    owner = factory.user(org, Role.OWNER, email="owner@example.com", name="Olive Owner")
    member = factory.user(org, Role.MEMBER, email="member@example.com", name="Max Member")

    page = browser.new_context().new_page()
    _password_step(page, base, owner.email)
    page.wait_for_url(f"{base}/dashboard")
    page.goto(f"{base}/settings")
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("Off")
    page.get_by_test_id("manage-two-factor").click()
    page.wait_for_url(f"{base}/settings/two-factor")
    screenshot(page, "two-factor-enrol")
    secret, codes = _enrol(page, base)
    expect(page.locator(".flash")).to_contain_text("Two-factor sign-in is on.")
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_test_id("recovery-codes-left")).to_have_text("10")
    page.reload()
    expect(page.get_by_test_id("recovery-code")).to_have_count(0)  # shown once
    page.context.close()

    # sign in with a code from the app
    page = browser.new_context().new_page()
    _password_step(page, base, owner.email)
    page.wait_for_url(f"{base}/login/two-factor")
    page.get_by_test_id("two-factor-code").fill("123")
    page.get_by_test_id("two-factor-submit").click()
    expect(page.locator(".field-error .error")).to_contain_text("That code is not right")
    page.get_by_test_id("two-factor-code").fill(_code(secret, 1))
    page.get_by_test_id("two-factor-submit").click()
    page.wait_for_url(f"{base}/dashboard")
    page.context.close()

    # with a recovery code: once
    page = browser.new_context().new_page()
    _password_step(page, base, owner.email)
    page.wait_for_url(f"{base}/login/two-factor")
    page.get_by_test_id("two-factor-code").fill(codes[0])
    page.get_by_test_id("two-factor-submit").click()
    page.wait_for_url(f"{base}/dashboard")
    expect(page.locator(".flash")).to_contain_text("recovery code; 9 left")
    other = browser.new_context().new_page()
    _password_step(other, base, owner.email)
    other.wait_for_url(f"{base}/login/two-factor")
    other.get_by_test_id("two-factor-code").fill(codes[0])
    other.get_by_test_id("two-factor-submit").click()
    expect(other.locator(".field-error .error")).to_contain_text("That code is not right")
    assert other.url == f"{base}/login/two-factor"
    other.context.close()

    # the owner requires it of the organization
    page.goto(f"{base}/organizations/{org.id}/settings")
    page.get_by_test_id("require-two-factor").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Organization settings saved.")
    expect(page.get_by_test_id("require-two-factor")).to_be_checked()
    page.goto(f"{base}/organizations/{org.id}/audit")
    expect(page.locator("[data-testid=audit-row][data-action='two_factor.enable']")).to_have_count(1)
    expect(page.locator("[data-testid=audit-row][data-action='two_factor.recovery_code_used']")).to_have_count(1)
    page.context.close()

    # a member without it is sent to set it up, and goes on once it is on
    page = browser.new_context().new_page()
    _password_step(page, base, member.email)
    page.wait_for_url(f"{base}/settings/two-factor")
    expect(page.get_by_test_id("two-factor-required")).to_contain_text("Acme requires two-factor sign-in")
    page.goto(f"{base}/time-logs")
    page.wait_for_url(f"{base}/settings/two-factor")
    screenshot(page, "two-factor-required-by-organization")
    _enrol(page, base)
    page.get_by_role("link", name="I have saved them").click()
    page.goto(f"{base}/time-logs")
    assert page.url == f"{base}/time-logs"
    page.context.close()
