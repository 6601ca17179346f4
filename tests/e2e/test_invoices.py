"""In Chromium: an invoice from approved billable time to paid (issue 21 C), walked by an owner: the organization's
billing details set in its settings (a bad e-mail refused inline) show as the sender; a draft for a client
and a period shows its lines and total, a tax rate changes the total, marking it sent gives it its number, /invoices
(the header's "Invoices") shows it outstanding, and once marked paid nothing is outstanding (reached on a phone
through the menu)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.invoice_data import invoiceable_time

pytestmark = pytest.mark.e2e


def test_draft_tax_send_outstanding_paid(live_server, factory, db, browser):
    w = factory.world()
    invoiceable_time(factory, db, w)
    page = browser.new_context().new_page()
    sign_in(page, live_server, w.owner.email)

    page.goto(f"{live_server}/organizations/{w.org.id}/settings")  # the sender's billing details
    page.get_by_test_id("billing-address").fill("12 Rue de la Paix\n75002 Paris")
    page.get_by_test_id("tax-id").fill("FR12345678901")
    page.get_by_test_id("billing-email").fill("billing at acme")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_contain_text("An email address must have an @-sign.")
    expect(page.get_by_test_id("billing-address")).to_have_value("12 Rue de la Paix\n75002 Paris")  # kept
    page.get_by_test_id("billing-email").fill("billing@acme.test")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_have_text("Organization settings saved.")
    expect(page.get_by_test_id("tax-id")).to_have_value("FR12345678901")

    page.goto(f"{live_server}/invoices/new")
    page.get_by_test_id("invoice-client").select_option(label="Globex")
    page.get_by_test_id("invoice-from").fill("2026-03-01")
    page.get_by_test_id("invoice-to").fill("2026-03-31")
    page.get_by_test_id("invoice-grouping").select_option("project")
    page.get_by_test_id("invoice-create").click()
    expect(page.locator(".flash-success")).to_have_text("Draft invoice to Globex created.")
    expect(page.get_by_test_id("invoice-status")).to_have_text("draft")
    expect(page.get_by_test_id("line-amount")).to_have_text(["250.00", "75.00"])
    expect(page.get_by_test_id("invoice-total")).to_have_text("325.00 EUR")
    expect(page.get_by_test_id("invoice-sender")).to_have_text(
        "From Acme 12 Rue de la Paix 75002 Paris Tax/VAT id: FR12345678901 billing@acme.test")
    expect(page.get_by_test_id("invoice-recipient")).to_have_text("To Globex")

    page.get_by_test_id("invoice-tax-rate").fill("20")
    page.get_by_test_id("invoice-save").click()
    expect(page.locator(".flash-success")).to_have_text("Invoice saved.")
    expect(page.get_by_test_id("invoice-tax")).to_have_text("65.00")
    expect(page.get_by_test_id("invoice-total")).to_have_text("390.00 EUR")

    page.get_by_test_id("invoice-send").click()
    expect(page.locator(".flash-success")).to_have_text("Invoice 2026-0001 sent: its time is locked.")
    expect(page.get_by_test_id("invoice-number")).to_have_text("2026-0001")
    expect(page.get_by_test_id("invoice-status")).to_have_text("sent")
    expect(page.get_by_test_id("line-description")).to_have_count(0)  # no longer editable
    screenshot(page, "invoice-sent")

    page.get_by_test_id("nav-invoices").click()  # the header's link; on a phone, inside the menu
    expect(page).to_have_url(f"{live_server}/invoices")
    expect(page.get_by_test_id("invoice-outstanding")).to_have_text("Outstanding: 390.00 EUR")
    expect(page.get_by_test_id("invoice-row")).to_contain_text("2026-0001")
    page.get_by_role("link", name="2026-0001").click()
    page.get_by_test_id("invoice-paid").click()
    expect(page.locator(".flash-success")).to_have_text("Invoice 2026-0001 marked paid.")
    expect(page.get_by_test_id("invoice-status")).to_have_text("paid")

    page.set_viewport_size({"width": 390, "height": 800})  # a phone: the navigation folds into the menu
    expect(page.get_by_test_id("nav-invoices")).to_be_hidden()
    page.get_by_test_id("menu-button").click()
    page.get_by_test_id("nav-invoices").click()
    expect(page.get_by_test_id("invoice-outstanding")).to_have_text("Outstanding: nothing")
    expect(page.get_by_test_id("invoice-row")).to_contain_text("paid")
