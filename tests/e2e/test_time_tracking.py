"""In Chromium: a member starts a timer, sees it tick in the header, stops it, and finds the log in the list."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import backdate_running_timers, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_member_starts_and_stops_a_timer_from_the_time_page(live_server, factory, page):
    org = factory.organization(name="Acme")
    team = factory.team(org, name="Alpha")
    member = factory.user(org, Role.MEMBER, teams=[team], email="member@example.com")
    factory.project(org, team=team, name="Website relaunch")
    factory.project(factory.organization(name="Elsewhere"), name="Not yours")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")
    header = page.get_by_test_id("header-timer")
    expect(header.get_by_test_id("no-timer")).to_be_visible()
    expect(page.locator("#timer-project option")).to_have_text(["Website relaunch"])

    page.fill("#timer-description", "Homepage copy")
    page.get_by_test_id("start-timer").click()
    expect(header.get_by_test_id("timer-project")).to_have_text("Website relaunch")
    elapsed = header.get_by_test_id("timer-elapsed")
    expect(elapsed).to_have_text(re.compile(r"^0:00:0[1-9]$"), timeout=5000)  # ticking in the browser
    expect(page.locator("tr.running")).to_contain_text("Homepage copy")
    screenshot(page, "time-tracking")

    backdate_running_timers(factory.db)  # a timer under a minute is not kept (tests/e2e/test_time_entry_extras.py)
    page.goto(f"{live_server}/organizations")  # the header timer is on every page
    expect(header.get_by_test_id("timer-project")).to_have_text("Website relaunch")
    header.get_by_test_id("stop-timer").click()
    expect(header.get_by_test_id("no-timer")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/organizations$"))

    page.goto(f"{live_server}/time-logs")
    rows = page.get_by_test_id("time-log-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Website relaunch")
    expect(rows.first).to_contain_text("Homepage copy")
    expect(page.locator("tr.running")).to_have_count(0)
    screenshot(page, "time-tracking-stopped")


def test_member_adds_a_manual_entry_and_sees_inline_errors(live_server, factory, page):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    factory.project(org, name="Internal")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs/new")
    page.fill("input[name=day]", "2026-03-02")
    page.fill("input[name=start]", "10:00")
    page.fill("input[name=end]", "09:00")
    page.fill("textarea[name=description]", "Planning")
    page.get_by_role("button", name="Add entry").click()
    expect(page.get_by_text("End must be after start.")).to_be_visible()

    page.fill("input[name=end]", "11:30")
    page.get_by_role("button", name="Add entry").click()
    expect(page).to_have_url(re.compile(r"/time-logs$"))
    row = page.get_by_test_id("time-log-row").first
    expect(row).to_contain_text("Planning")
    expect(row).to_contain_text("1h 30m")


def test_continue_from_my_time_shows_the_running_timer(live_server, factory, page):
    from datetime import datetime

    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    website = factory.project(org, name="Website relaunch")
    factory.time_log(member, website, start=datetime(2026, 3, 3, 9), minutes=60, description="Homepage copy",
                     billable=False)

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")
    header = page.get_by_test_id("header-timer")
    expect(header.get_by_test_id("no-timer")).to_be_visible()
    group = page.get_by_test_id("day-group")
    expect(group).to_have_count(1)
    expect(group.get_by_test_id("day-total")).to_have_text("1h 00m")
    group.get_by_test_id("continue-entry").click()
    expect(header.get_by_test_id("timer-project")).to_have_text("Website relaunch")
    expect(header.get_by_test_id("timer-elapsed")).to_have_text(re.compile(r"^0:00:0[1-9]$"), timeout=5000)
    expect(page.locator("tr.running")).to_contain_text("Homepage copy")
    expect(page.get_by_test_id("day-group")).to_have_count(2)  # today's group, newest first
    expect(page.get_by_test_id("day-group").first.locator("tr.running")).to_have_count(1)
