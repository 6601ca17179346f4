"""In Chromium: a form that arrived in a stream (no hidden CSRF input: a stream reaches other sessions)
still submits, through the page's meta token that Turbo sends as X-CSRF-Token."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_timer_started_elsewhere_can_be_stopped_from_the_streamed_header(live_server, factory, browser, page):
    org = factory.organization(name="Acme")
    team = factory.team(org, name="Alpha")
    member = factory.user(org, Role.MEMBER, teams=[team], email="member@example.com")
    factory.project(org, team=team, name="Website relaunch")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/organizations")
    expect(page.get_by_test_id("stream-status")).to_have_text("live")
    header = page.get_by_test_id("header-timer")
    expect(header.get_by_test_id("no-timer")).to_be_visible()

    laptop = browser.new_context()  # the same member, another session: their token is not this page's
    other = laptop.new_page()
    sign_in(other, live_server, member.email)
    other.goto(f"{live_server}/time-logs")
    other.get_by_test_id("start-timer").click()
    expect(other.get_by_test_id("header-timer").get_by_test_id("timer-project")).to_have_text("Website relaunch")

    expect(header.get_by_test_id("timer-project")).to_have_text("Website relaunch")  # arrived by stream
    expect(header.locator("input[name=csrf_token]")).to_have_count(0)
    header.get_by_test_id("stop-timer").click()
    expect(header.get_by_test_id("no-timer")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="expired")).to_have_count(0)
    factory.db.session.expire_all()
    assert member.running_timer is None
    laptop.close()
