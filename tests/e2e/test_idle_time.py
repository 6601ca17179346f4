"""In Chromium (issue 19 D): a running timer notices the person was away (no input for their idle minutes) and,
on their return, asks what to do with that time."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.models import Role, TimeLog, utcnow
from app.timezones import iso
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_no_input_for_the_idle_minutes_then_discard_restarts_the_timer_now(live_server, factory, page):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    project = factory.project(org, name="Website relaunch")
    running = factory.time_log(member, project, start=(utcnow() - timedelta(minutes=30)).replace(microsecond=0),
                               minutes=None, description="Homepage copy")
    member.idle_minutes = 5
    factory.db.session.commit()

    sign_in(page, live_server, member.email)
    page.clock.install()
    page.goto(f"{live_server}/time-logs")
    header = page.get_by_test_id("header-timer")
    expect(header.locator(".timer-running")).to_have_attribute("data-timer-start-value", iso(running.start_time))
    dialog = page.get_by_test_id("idle-dialog")
    expect(dialog).to_be_hidden()

    page.clock.fast_forward("06:00")  # no input for six minutes: past the person's five
    expect(dialog).to_be_hidden()  # not asked while they are away
    page.mouse.move(220, 240)  # back
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You were away")
    screenshot(page, "idle-dialog")
    dialog.get_by_test_id("idle-discard").click()

    expect(page.locator(".flash-success")).to_contain_text("Idle time discarded")
    factory.db.session.expire_all()
    now = member.running_timer
    assert now is not None and now.start_time > running.start_time + timedelta(minutes=29)
    first = factory.db.session.get(TimeLog, running.id)
    # the segment ended when they left: when the page opened (no input since), not when they came back
    assert first.end_time is not None and timedelta(minutes=30) <= first.end_time - running.start_time \
        <= timedelta(minutes=32)
    expect(header.locator(".timer-running")).to_have_attribute("data-timer-start-value", iso(now.start_time))
    expect(page.get_by_test_id("time-log-row").filter(has_text="Homepage copy")).to_have_count(2)
