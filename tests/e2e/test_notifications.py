"""In Chromium, two tabs of one account: a report finishing (a real report job, then the in-app delivery job, on a
real worker) raises the bell live in the other tab with a toast; marking it read in one tab brings every tab's bell
back to 0. The same holds for a budget alert caused by an entry added in the other tab; and the organization
dashboard's recent activity shows a timer started in another tab at once."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests import report_data
from tests.e2e.conftest import backdate_running_timers, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_the_member_starts_a_report_and_the_bell_rises_in_another_tab_then_mark_read_clears_every_tab(
        live_server, factory, db, page):
    w = report_data.build(factory, db)
    sign_in(page, live_server, w.member.email)
    page.goto(f"{live_server}/time-logs")
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    bell = page.get_by_test_id("notification-count")
    expect(bell).to_have_text("0")

    other = page.context.new_page()
    other.goto(f"{live_server}/reports")
    other.select_option("#group1", "project")
    other.get_by_role("button", name="Create report").click()
    other.wait_for_url(lambda url: "/reports/" in url)
    expect(other.get_by_test_id("report-status")).to_have_attribute("data-status", "completed", timeout=60000)

    expect(bell).to_have_text("1", timeout=15000)  # the first tab, live: no reload
    expect(page.get_by_test_id("notification-toast")).to_contain_text("is ready")
    screenshot(page, "notifications-report-ready")
    page.goto(f"{live_server}/notifications")
    item = page.get_by_test_id("notification-item")
    expect(item).to_contain_text("is ready")
    expect(other.get_by_test_id("notification-count")).to_have_text("1")
    item.get_by_test_id("mark-read").click()
    expect(page.get_by_test_id("notification-count")).to_have_text("0")
    expect(other.get_by_test_id("notification-count")).to_have_text("0", timeout=10000)  # the other tab follows
    page.get_by_test_id("notification-open").click()  # its link: the report's page
    expect(page).to_have_url(re.compile(r"/reports/\d+$"))


def test_the_bell_rises_live_in_another_tab_and_mark_read_updates_every_tab(live_server, factory, db, page):
    org = factory.organization(name="Acme")
    owner = factory.user(org, Role.OWNER, email="owner@example.com")
    project = factory.project(org, name="Launch", budget_hours=Decimal("1"))
    del project

    sign_in(page, live_server, owner.email)
    page.goto(f"{live_server}/dashboard")
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    bell = page.get_by_test_id("notification-count")
    expect(bell).to_have_text("0")

    other = page.context.new_page()  # a second tab of the same session
    other.goto(f"{live_server}/notifications")
    expect(other.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    other.goto(f"{live_server}/time-logs/new")
    other.fill("input[name=day]", "2026-03-02")
    other.fill("input[name=start]", "09:00")
    other.fill("input[name=end]", "10:00")
    other.fill("textarea[name=description]", "Launch prep")
    other.get_by_role("button", name="Add entry").click()
    expect(other).to_have_url(re.compile(r"/time-logs$"))

    expect(bell).to_have_text("1", timeout=15000)  # pushed live to the first tab, no reload
    toast = page.get_by_test_id("notification-toast")
    expect(toast).to_contain_text("Launch has reached 100% of its budget")
    expect(other.get_by_test_id("notification-count")).to_have_text("1", timeout=15000)
    screenshot(page, "notifications-bell")

    other.goto(f"{live_server}/notifications")
    expect(other.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    item = other.get_by_test_id("notification-item")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-read", "false")
    item.get_by_test_id("mark-read").click()
    expect(other.get_by_test_id("notification-item")).to_have_attribute("data-read", "true")
    expect(other.get_by_test_id("notification-count")).to_have_text("0")
    expect(bell).to_have_text("0", timeout=10000)  # the first tab follows
    screenshot(other, "notifications-list")


def test_the_org_dashboard_activity_shows_a_timer_started_in_another_tab_at_once(live_server, factory, db, page):
    org = factory.organization(name="Acme")
    owner = factory.user(org, Role.OWNER, email="owner@example.com", name="Olga Owner")
    factory.project(org, name="Website")
    sign_in(page, live_server, owner.email)
    page.goto(f"{live_server}/dashboard/org/{org.id}")
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    items = page.get_by_test_id("activity-items")
    expect(items).to_be_attached(timeout=20000)  # the section has been computed and streamed in
    expect(items.locator("li")).to_have_count(0)

    other = page.context.new_page()
    other.goto(f"{live_server}/time-logs")
    other.get_by_test_id("start-menu-button").click()
    other.get_by_test_id("start-project").select_option(label="Website")
    other.get_by_test_id("quick-start-button").click()
    expect(other.get_by_test_id("timer-project")).to_have_text("Website")

    first = items.locator("li").first
    expect(first).to_contain_text("Olga Owner", timeout=10000)
    expect(first).to_contain_text("running")
    expect(page.locator(".dashboard-section-activity .empty")).to_have_count(0)
    backdate_running_timers(db)  # a timer under a minute is not kept: its line would go rather than change
    other.get_by_test_id("stop-timer").click()
    expect(items.locator("li")).to_have_count(1)  # the stopped timer replaced its running line
    expect(first.locator(".badge-running")).to_have_count(0, timeout=10000)
