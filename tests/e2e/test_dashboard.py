"""In Chromium: an owner's organization dashboard loads, fills in from a worker, updates live when a
member starts a timer in another browser, and resumes after its socket drops: sent what it missed, no refresh."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from app.live.history import history_key
from app.models import Role
from tests.e2e.conftest import screenshot, sign_in, wait_for_idle_workers
from tests.factories import this_week

pytestmark = pytest.mark.e2e


def test_org_dashboard_loads_fills_in_updates_live_and_reconnects(start_web, start_workers, factory, browser, page,
                                                                  redis_conn):
    from app.background import pause
    from app.background.catalog import DASHBOARD_WORKER_QUEUES

    org = factory.organization(name="Acme")
    team = factory.team(org, name="Alpha")
    owner = factory.user(org, Role.OWNER, email="owner@example.com")
    member = factory.user(org, Role.MEMBER, teams=[team], email="member@example.com")
    project = factory.project(org, team=team, name="Website relaunch")
    factory.time_log(member, project, start=this_week(), minutes=90)
    base = start_web()

    # 1. No worker yet (the dashboard queues paused: the browser tests' shared workers may be running): the shell
    # answers at once with skeletons and a progress bar.
    for queue in DASHBOARD_WORKER_QUEUES:
        pause.pause(queue, redis_conn)
    sign_in(page, base, owner.email)
    page.goto(f"{base}/dashboard/org/{org.id}")
    expect(page.get_by_test_id("dashboard-loading")).to_be_visible()
    expect(page.get_by_test_id("stream-status")).to_have_text("live")
    expect(page.get_by_test_id("dashboard-metrics")).to_have_count(0)
    screenshot(page, "dashboard-loading")

    # 2. A worker comes up, runs the queued job, and the sections stream in.
    start_workers()
    for queue in DASHBOARD_WORKER_QUEUES:
        pause.resume(queue, redis_conn)
    metrics = page.get_by_test_id("dashboard-metrics")
    expect(metrics).to_be_visible(timeout=20000)
    expect(metrics.locator("[data-metric=running]")).to_have_text("0")
    expect(page.get_by_test_id("dashboard-loading")).to_have_count(0, timeout=10000)
    chart = page.locator(f"#dashboard-org-{org.id}-org_by_team svg")
    expect(chart.locator("desc")).to_have_text("Alpha: 1h 30m")  # the chart carries its values as text
    screenshot(page, "dashboard-metrics")

    # 3. A member of the same organization starts a timer in another browser: the owner's page updates.
    other = browser.new_context()
    member_page = other.new_page()
    sign_in(member_page, base, member.email)
    member_page.goto(f"{base}/time-logs")
    member_page.get_by_test_id("start-timer").click()
    expect(member_page.get_by_test_id("header-timer").get_by_test_id("timer-project")).to_have_text(
        "Website relaunch")
    live = page.get_by_test_id("live-metrics")
    expect(live).to_have_text(re.compile(r"Updated \d\d:\d\d:\d\d"), timeout=20000)
    expect(metrics.locator("[data-metric=running]")).to_have_text("1", timeout=20000)
    screenshot(page, "dashboard-live-update")

    # 4. The socket drops (a train tunnel) and stays away while the member stops the timer; back, it is sent what
    # it missed and says so, with no page refresh.
    topic = history_key(f"dashboard:org:{org.id}")
    published = redis_conn.xlen(topic)
    page.evaluate("""() => {
        window.bodyBeforeDrop = document.body
        const source = window.Stimulus.getControllerForElementAndIdentifier(
            document.getElementById("stream-status"), "stream-source")
        source.reopen = source.open
        source.open = () => {}  // no reconnect until the test says
        source.socket.close()
    }""")
    status = page.get_by_test_id("stream-status")
    expect(status).to_have_text("reconnecting", timeout=5000)
    screenshot(page, "dashboard-reconnecting")
    member_page.get_by_test_id("header-timer").get_by_test_id("stop-timer").click()
    expect(member_page.get_by_test_id("header-timer").get_by_test_id("timer-elapsed")).to_have_count(0)
    deadline = time.time() + 20
    while redis_conn.xlen(topic) == published and time.time() < deadline:  # the dashboard's job published
        time.sleep(0.1)
    wait_for_idle_workers(redis_conn)
    expect(metrics.locator("[data-metric=running]")).to_have_text("1")  # nothing reached the page meanwhile
    page.evaluate("""() => {
        const source = window.Stimulus.getControllerForElementAndIdentifier(
            document.getElementById("stream-status"), "stream-source")
        source.open = source.reopen
        source.open()
    }""")
    expect(status).to_have_text("live, caught up", timeout=20000)
    expect(status).to_have_attribute("title", "Reconnected, caught up: nothing was missed")
    expect(page.get_by_test_id("dashboard-metrics").locator("[data-metric=running]")).to_have_text("0")
    assert page.evaluate("() => document.body === window.bodyBeforeDrop"), "caught up without a refresh"
    other.close()
    screenshot(page, "dashboard-reconnected")
