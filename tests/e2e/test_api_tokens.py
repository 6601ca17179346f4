"""In Chromium: /settings/tokens creates a token, shows it once (with a working copy button), lists it with its
last use, and revokes it; the API then answers 401 to it."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _api_status(base: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_create_shows_the_token_once_then_revoke_stops_it(start_web, db, factory, browser):
    base = start_web()
    org = factory.organization(name="Acme")
    user = factory.user(org, email="member@example.com")
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sign_in(page, base, user.email)

    page.goto(f"{base}/settings")
    page.get_by_test_id("api-tokens-link").click()
    expect(page.get_by_test_id("no-tokens")).to_be_visible()

    page.get_by_test_id("create-token").click()  # no name: the form answers 422 with the error inline
    expect(page.locator("#new-token-form .error")).to_have_text("Give the token a name.")

    page.get_by_test_id("token-name").fill("invoicing script")
    page.get_by_test_id("token-scope").select_option("write")
    page.get_by_test_id("token-expires").select_option("never")
    page.get_by_test_id("create-token").click()
    value = page.get_by_test_id("new-token-value")
    expect(value).to_be_visible()
    token = value.input_value()
    assert token.startswith("tb_") and len(token) == 46
    page.get_by_test_id("copy-token").click()
    expect(page.get_by_test_id("new-token").locator("[data-clipboard-target=status]")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == token

    status, me = _api_status(base, token)
    assert status == 200 and me["email"] == user.email and me["token_scope"] == "write"

    page.reload()  # shown once: never again
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    assert token not in page.content()
    row = page.get_by_test_id("token-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("invoicing script")
    expect(row).to_contain_text("write")
    expect(row.locator("td").nth(2)).not_to_have_text("never")  # last used: just now, by the call above

    row.get_by_test_id("revoke-token").click()
    expect(page.get_by_test_id("token-state")).to_have_text("revoked")
    expect(page.locator(".flash")).to_contain_text("Token invoicing script revoked")
    status, problem = _api_status(base, token)
    assert status == 401 and problem["status"] == 401
    context.close()
