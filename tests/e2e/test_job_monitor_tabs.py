"""In Chromium: the job list comes first on /jobs; queues, workers, recurring entries and per-organization figures
are tabs, and a tab stays live (a queue paused in another tab shows as paused without a reload)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import screenshot, sign_in
from tests.jobrows import job_rows

pytestmark = pytest.mark.e2e


def test_the_list_comes_first_and_each_tab_opens_and_stays_live(live_server, factory, db, browser):
    factory.user(None, Role.MEMBER, email="root@example.com", is_system_admin=True)
    job_rows(db, 3, error="boom")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "root@example.com")
    page.goto(f"{live_server}/jobs")
    first_row = page.get_by_test_id("job-row").first
    expect(first_row).to_be_visible()
    assert first_row.bounding_box()["y"] < 900  # in the first screen, not 3,300 px down
    tabs = page.get_by_test_id("job-tabs")
    for name, marker in (("Queues", "queue-table"), ("Recurring", "recurring-table")):
        tabs.get_by_role("link", name=name).click()
        expect(page.get_by_test_id(marker)).to_be_visible()
        expect(tabs.get_by_role("link", name=name)).to_have_attribute("aria-current", "page")
    tabs.get_by_role("link", name="Workers").click()
    expect(page.locator("#workers-title")).to_be_visible()
    tabs.get_by_role("link", name="Organizations").click()
    expect(page.locator("#costs-title")).to_be_visible()

    tabs.get_by_role("link", name="Queues").click()
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    page.evaluate("window.__sameDocument = true")
    other = context.new_page()
    other.goto(f"{live_server}/jobs/queues")
    other.locator('tr[data-queue="reports"]').get_by_role("button", name="Pause").click()
    expect(other.locator('tr[data-queue="reports"]')).to_have_attribute("data-paused", "yes")
    expect(page.locator('tr[data-queue="reports"]')).to_have_attribute("data-paused", "yes", timeout=10000)
    assert page.evaluate("window.__sameDocument") is True  # refreshed in place, not reloaded
    screenshot(page, "jobs-queues-tab")
    other.locator('tr[data-queue="reports"]').get_by_role("button", name="Resume").click()
    expect(page.locator('tr[data-queue="reports"]')).to_have_attribute("data-paused", "no", timeout=10000)
    context.close()
