"""In Chromium: a week's approval and lock (issue 21 B), walked by the three people involved: the member submits
the week, their manager approves it with a comment, the member sees it approved and its cells read-only with a
lock saying why, an owner unlocks it with a reason, and the member's edit then goes through."""
from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

WEEK = "2026-W10"  # Monday 2 March 2026 .. Sunday 8 March


def test_submit_approve_refused_edit_unlock_and_edit(live_server, factory, browser):
    org = factory.organization(name="Acme")
    team = factory.team(org, name="Alpha")
    member = factory.user(org, Role.MEMBER, teams=[team], email="member@example.com", name="Mia Member")
    manager = factory.user(org, Role.MANAGER, teams=[team], email="manager@example.com")
    owner = factory.user(org, Role.OWNER, email="owner@example.com")
    website = factory.project(org, team=team, name="Website")
    factory.time_log(member, website, start=datetime(2026, 3, 3, 9), minutes=90, description="Homepage")
    cell = f"#ts-cell-{website.id}-2026-03-04 input"

    mia = browser.new_context().new_page()
    sign_in(mia, live_server, member.email)
    mia.goto(f"{live_server}/timesheet?week={WEEK}")
    expect(mia.get_by_test_id("week-status")).to_have_text("open")
    expect(mia.get_by_test_id("nav-invoices")).to_have_count(0)  # a member sees no invoices
    mia.get_by_test_id("submit-week").click()
    expect(mia.locator(".flash-success")).to_have_text("Week 2026-W10 submitted for approval.")
    expect(mia.get_by_test_id("week-status")).to_have_text("submitted")
    expect(mia.get_by_test_id("submit-week")).to_have_count(0)

    boss = browser.new_context().new_page()
    sign_in(boss, live_server, manager.email)
    boss.goto(f"{live_server}/approvals")
    row = boss.get_by_test_id("approval-row")
    expect(row).to_contain_text("Mia Member")
    expect(row).to_contain_text(WEEK)
    expect(row).to_contain_text("1:30")
    row.get_by_test_id("approval-comment").fill("Billed to the client in March")
    row.get_by_test_id("approve").click()
    expect(boss.locator(".flash-success")).to_have_text("Mia Member's week 2026-W10 approved.")
    expect(boss.get_by_test_id("approvals-empty")).to_be_visible()
    expect(boss.get_by_test_id("decided-status")).to_have_text("approved")

    mia.goto(f"{live_server}/timesheet?week={WEEK}")
    expect(mia.get_by_test_id("week-status")).to_have_text("approved")
    expect(mia.get_by_test_id("week-comment")).to_contain_text("Billed to the client in March")
    locked = mia.locator(f"#ts-cell-{website.id}-2026-03-04")  # read-only before anyone types, saying why
    expect(locked.locator("input")).to_have_count(0)
    expect(locked).to_have_attribute("title", "Week 2026-W10 is approved and locked: an owner can unlock it.")
    expect(locked.get_by_test_id("cell-locked")).to_be_visible()
    expect(mia.get_by_test_id("week-locked")).to_have_text(
        "Week 2026-W10 is approved and locked: an owner can unlock it.")
    expect(mia.get_by_test_id("add-row")).to_have_count(0)  # no row to add into a locked week
    expect(mia.get_by_test_id("week-total")).to_have_text("1:30")
    screenshot(mia, "approvals-locked-cell")

    chief = browser.new_context().new_page()
    sign_in(chief, live_server, owner.email)
    chief.goto(f"{live_server}/timesheet?week={WEEK}&user={member.id}")
    expect(chief.get_by_test_id("week-status")).to_have_text("approved")
    expect(chief.get_by_test_id("nav-invoices")).to_be_visible()  # an owner does
    chief.get_by_test_id("unlock-reason").fill("The client asked for a correction")
    chief.get_by_test_id("unlock").click()
    expect(chief.locator(".flash-success")).to_have_text(
        "Mia Member's week 2026-W10 unlocked: they may edit it and submit it again.")

    mia.goto(f"{live_server}/timesheet?week={WEEK}")
    expect(mia.get_by_test_id("week-status")).to_have_text("open")
    expect(mia.get_by_test_id("week-locked")).to_have_count(0)
    mia.locator(cell).fill("2")
    mia.locator(cell).press("Tab")
    expect(mia.get_by_test_id("week-total")).to_have_text("3:30")
    expect(mia.get_by_test_id("cell-error")).to_have_count(0)
    expect(mia.get_by_test_id("submit-week")).to_be_visible()
