"""In Chromium: the week timesheet. Typing hours into cells saves them without a reload and updates the totals,
Enter and the arrow keys move between cells, last week's rows are copied, and an entry added elsewhere shows up
in the open week by itself."""
from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

WEEK = "2026-W10"  # Monday 2 March 2026 .. Sunday 8 March


def _cell(page, project, day: str):
    return page.locator(f"#ts-cell-{project.id}-{day} input")


def test_typing_hours_saves_each_cell_and_updates_the_totals_moving_with_the_keyboard(live_server, factory, page):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    website = factory.project(org, name="Website")
    support = factory.project(org, name="Support")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/timesheet?week={WEEK}&rows={website.id},{support.id}")
    expect(page.get_by_test_id("timesheet-row")).to_have_count(2)
    url = page.url

    _cell(page, support, "2026-03-03").click()  # rows are by name: Support, then Website
    page.keyboard.type("1.5")
    page.keyboard.press("Enter")  # saves and moves down to Website, same day
    expect(_cell(page, website, "2026-03-03")).to_be_focused()
    expect(page.locator(f"#ts-row-{support.id}-total")).to_have_text("1:30")
    page.keyboard.type("90m")
    page.keyboard.press("ArrowRight")  # the caret is at the end: on to Wednesday
    expect(_cell(page, website, "2026-03-04")).to_be_focused()
    expect(page.locator("#ts-day-2026-03-03-total")).to_have_text("3:00")
    page.keyboard.type("2:15")
    page.keyboard.press("ArrowUp")
    expect(_cell(page, support, "2026-03-04")).to_be_focused()
    expect(page.locator(f"#ts-row-{website.id}-total")).to_have_text("3:45")
    expect(page.get_by_test_id("week-total")).to_have_text("5:15")
    expect(_cell(page, website, "2026-03-04")).to_have_value("2:15")
    page.keyboard.press("ArrowLeft")  # the whole value is selected: the caret counts as at the start
    expect(_cell(page, support, "2026-03-03")).to_be_focused()
    _change_elsewhere_replaces_the_focused_cell(page, member)  # what is typed next still replaces the whole value
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("week-total")).to_have_text("3:45")
    expect(_cell(page, support, "2026-03-03")).to_have_value("")
    assert page.url == url  # no page load happened

    _cell(page, website, "2026-03-05").fill("lots")
    _cell(page, website, "2026-03-05").press("Tab")
    expect(page.get_by_test_id("cell-error")).to_contain_text("is not a duration")
    expect(page.get_by_test_id("week-total")).to_have_text("3:45")
    screenshot(page, "timesheet")

    page.reload()  # what was saved is what the server holds
    expect(_cell(page, website, "2026-03-03")).to_have_value("1:30")
    expect(_cell(page, website, "2026-03-04")).to_have_value("2:15")
    expect(page.get_by_test_id("week-total")).to_have_text("3:45")


def _change_elsewhere_replaces_the_focused_cell(page, user) -> None:
    """Signal the open week that its person's time changed (as a timer or another tab would), and wait until the
    week fetched again has replaced the focused cell's input with a new one, focused in its place."""
    from app.live.streams import broadcast
    from app.live.topics import TimesheetTopic
    from app.timezones import utcnow

    page.evaluate("() => { document.activeElement.dataset.before = 'yes' }")
    broadcast(TimesheetTopic(user.id), "replace", f"timesheet-{user.id}-changed", "timesheet/_changed.html",
              user_id=user.id, at=utcnow())
    page.wait_for_function("() => document.activeElement.matches('input.ts-input:not([data-before])')")


def test_copying_last_weeks_rows_and_an_entry_added_elsewhere_showing_up_live(live_server, factory, page):
    from app.time_tracking import entries

    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    website = factory.project(org, name="Website")
    factory.time_log(member, website, start=datetime(2026, 2, 24, 9), minutes=120, description="Last week")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/timesheet?week={WEEK}")
    expect(page.get_by_test_id("timesheet-row")).to_have_count(0)
    page.get_by_test_id("copy-last-week").click()
    expect(page.get_by_test_id("timesheet-row")).to_have_count(1)
    expect(page.get_by_test_id("timesheet-row")).to_contain_text("Website")
    expect(page.get_by_test_id("week-total")).to_have_text("0:00")  # the projects, not the hours
    expect(page.get_by_test_id("stream-status")).to_have_text("live")

    entries.create_entry(member, entries.EntryData(
        project=website, start_time=datetime(2026, 3, 5, 13), end_time=datetime(2026, 3, 5, 14, 30),
        description="From the entry form", billable=True))
    expect(_cell(page, website, "2026-03-05")).to_have_value("1:30")
    expect(page.get_by_test_id("week-total")).to_have_text("1:30")

    page.get_by_test_id("previous-week").click()
    expect(page.get_by_test_id("week-title")).to_contain_text("2026-W09")
    expect(page.get_by_test_id("week-total")).to_have_text("2:00")


def test_a_task_row_is_typed_into_like_any_other(live_server, factory, db, page):
    from app.models import Task, TimeLog

    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    website = factory.project(org, name="Website")
    design = Task(project_id=website.id, name="Design")
    db.session.add(design)
    db.session.commit()
    key = f"{website.id}t{design.id}"

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/timesheet?week={WEEK}")
    page.get_by_test_id("add-row-project").select_option(key)  # "Website · Design"
    page.get_by_role("button", name="Add row").click()
    row = page.locator(f"#ts-row-{key}")
    expect(row).to_contain_text("Website · Design")
    page.locator(f"#ts-cell-{key}-2026-03-04 input").fill("2:30")
    page.locator(f"#ts-cell-{key}-2026-03-04 input").press("Enter")
    expect(page.locator(f"#ts-row-{key}-total")).to_have_text("2:30")
    expect(page.get_by_test_id("week-total")).to_have_text("2:30")
    db.session.expire_all()
    assert [(log.task_id, log.duration_minutes) for log in db.session.query(TimeLog).filter_by(user_id=member.id)] == [
        (design.id, 150)]
