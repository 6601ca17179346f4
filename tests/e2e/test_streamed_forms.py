"""In Chromium: a form that arrived in a stream (no hidden CSRF input: a stream reaches other sessions)
still submits, through the page's meta token that Turbo sends as X-CSRF-Token; and a page refresh pushed while
a form is being submitted does not stop the submission (the person lands where it leads, with its flash)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.live.streams import broadcast_stream, refresh_stream
from app.live.topics import ReportTopic
from app.models import Role
from tests.e2e.conftest import HeldRequests, settle_streams, sign_in

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


def test_a_refresh_pushed_while_a_form_submits_does_not_drop_where_it_leads(live_server, factory, page):
    """A report finishing pushes a page refresh to its page. Turbo would start that refresh's visit even while
    the person's form is on its way, which stops the submission: the saved definition's redirect was dropped,
    and the refreshed report page showed "Saved as ..." instead of the reports list."""
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    factory.time_log(member, factory.project(org, name="Website"))
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/reports")
    page.get_by_test_id("report-form").get_by_role("button", name="Create report").click()
    expect(page.get_by_test_id("report-state")).to_have_text("completed", timeout=30000)
    settle_streams(page)  # the report's own refresh, pushed as it finished, renders the page again
    report_id = int(page.url.rsplit("/", 1)[1])

    saves = HeldRequests(page, r"/reports/\d+/save$")  # each save waits until the refresh has arrived
    form = page.get_by_test_id("save-definition")
    form.locator("input[name=name]").fill("Website hours")
    form.get_by_role("button", name="Save").click()
    saves.wait("the save request")
    broadcast_stream(ReportTopic(report_id), refresh_stream())
    page.wait_for_timeout(1000)  # the refresh has reached the page while its form is busy
    saves.release()
    expect(page).to_have_url(f"{live_server}/reports")
    expect(page.locator(".flash").filter(has_text="Saved as Website hours.")).to_be_visible()

    # a refresh that arrived just before the click: it runs once the burst of refreshes settles (150 ms), by then
    # in the middle of the submission
    page.goto(f"{live_server}/reports/{report_id}")
    form.locator("input[name=name]").fill("Website hours again")
    page.evaluate("""() => Turbo.renderStreamMessage('<turbo-stream action="refresh"></turbo-stream>')""")
    form.get_by_role("button", name="Save").click()
    saves.wait("the save request")
    page.wait_for_timeout(1000)
    saves.release()
    expect(page).to_have_url(f"{live_server}/reports")
    expect(page.locator(".flash").filter(has_text="Saved as Website hours again.")).to_be_visible()
