"""In Chromium: an owner sets the organization's default billable and cost rates (a refused amount first), then a
member's rate on a project, and the project's rates page shows its revenue, cost and profit (issue 21)."""
from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _add_rate(page, kind: str, amount: str, who: str | None = None) -> None:
    if who is not None:
        page.get_by_test_id("rate-user").select_option(label=who)
    page.get_by_test_id("rate-kind").select_option(kind)
    page.get_by_test_id("rate-amount").fill(amount)
    page.get_by_test_id("rate-effective-from").fill("2026-01-01")
    page.get_by_test_id("rate-add").click()


def test_an_owner_sets_rates_and_the_project_page_shows_revenue_cost_and_profit(live_server, db, factory, browser):
    org = factory.organization(name="Acme", currency="EUR")
    owner = factory.user(org, Role.OWNER, email="owner@example.com")
    member = factory.user(org, Role.MEMBER, name="Mia Member", email="mia@example.com")
    project = factory.project(org, name="Website")
    factory.time_log(member, project, datetime(2026, 11, 2, 9), 120, billable=True)
    factory.time_log(owner, project, datetime(2026, 11, 3, 9), 60, billable=True)
    db.session.commit()
    page = browser.new_page()
    sign_in(page, live_server, owner.email)

    page.goto(f"{live_server}/organizations/{org.id}")
    page.get_by_test_id("org-rates-link").click()
    expect(page.get_by_test_id("rates-empty")).to_be_visible()
    _add_rate(page, "billable", "-5")  # refused: 422, the error beside the field, nothing added
    expect(page.locator(".field-error .error")).to_have_text("Amount cannot be negative.")
    expect(page.get_by_test_id("rates-empty")).to_be_visible()
    _add_rate(page, "billable", "100")
    expect(page.locator(".flash")).to_contain_text("Rate 100.00 from 2026-01-01 added.")
    _add_rate(page, "cost", "40")
    expect(page.locator(".flash")).to_contain_text("Rate 40.00 from 2026-01-01 added.")
    expect(page.get_by_test_id("rate-row")).to_have_count(2)

    page.goto(f"{live_server}/projects/{project.id}/edit")
    page.get_by_test_id("project-rates-link").click()
    figures = page.get_by_test_id("figures-EUR")
    expect(figures.get_by_test_id("revenue")).to_have_text("300.00")  # 3 billable hours at the default 100
    _add_rate(page, "billable", "150", who="Mia Member (mia@example.com)")
    expect(page.locator(".flash")).to_contain_text("Rate 150.00 from 2026-01-01 added.")
    expect(page.get_by_test_id("rate-row")).to_contain_text("Mia Member")
    expect(page.get_by_test_id("billable-hours")).to_have_text("3.00")
    expect(figures.get_by_test_id("revenue")).to_have_text("400.00")  # Mia's 2 h at 150, the owner's 1 h at 100
    expect(figures.get_by_test_id("cost")).to_have_text("120.00")  # 3 h at 40
    expect(figures.get_by_test_id("profit")).to_have_text("280.00")
