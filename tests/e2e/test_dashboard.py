"""In Chromium: an owner's organization dashboard loads, fills in from a worker, updates live when a
member starts a timer in another browser, and reconnects after its socket drops."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import screenshot, sign_in

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
    factory.time_log(member, project, minutes=90)
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
    other.close()

    # 4. The socket drops: the status says so, then the page reconnects and is live again.
    page.evaluate("""() => {
        window.bodyBeforeDrop = document.body
        const el = document.getElementById("stream-status")
        window.Stimulus.getControllerForElementAndIdentifier(el, "stream-source").socket.close()
    }""")
    status = page.get_by_test_id("stream-status")
    expect(status).to_have_text("reconnecting", timeout=5000)
    screenshot(page, "dashboard-reconnecting")
    expect(status).to_have_text("live", timeout=20000)
    # on reconnect the page resyncs (a Turbo page refresh renders it again, from the cache); its new socket goes live
    page.wait_for_function("() => document.body !== window.bodyBeforeDrop", timeout=20000)
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=20000)
    expect(page.get_by_test_id("dashboard-metrics")).to_be_visible()
    expect(page.get_by_test_id("dashboard-metrics").locator("[data-metric=running]")).to_have_text("1")
    screenshot(page, "dashboard-reconnected")
