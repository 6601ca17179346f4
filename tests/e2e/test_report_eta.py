"""In Chromium: a report waiting in its queue says when it starts and how many are ahead of it, and the figure follows
the queue as other people's jobs ahead of it go, with no reload (nothing of theirs streams to this page: its frame
reads the figure again every few seconds, reload_controller.js). The queue is paused so that the shared workers leave
it alone, and the figure says so; the page's own clock is moved on instead of waiting."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.background import pause
from app.background.eta import REREAD_SECONDS
from app.reports import runs
from app.reports.params import ReportParams
from tests import report_data
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def _ask(w, user):
    params = ReportParams(organization_id=w.org.id, range="last_month", groups=["project"], format="csv",
                          time_zone=report_data.ZONE).resolved(w.first, 0)
    return runs.create_report(user, params)  # and its job enqueued


def test_a_queued_reports_page_follows_the_queue_ahead_of_it(live_server, factory, db, redis_conn, page):
    w = report_data.build(factory, db)
    pause.pause("reports", redis_conn)
    try:
        theirs = [_ask(w, w.owner) for _ in range(3)]
        mine = _ask(w, w.manager)
        page.clock.install()
        sign_in(page, live_server, w.manager.email)
        page.goto(f"{live_server}/reports/{mine.id}")
        eta = page.get_by_test_id("report-eta")
        expect(eta).to_have_text("its queue is paused, 3 ahead")
        expect(page.get_by_test_id("report-phase")).to_contain_text("Waiting for a worker…")
        screenshot(page, "report-eta")

        for report in theirs[:2]:  # the owner cancels two of theirs: nothing of the owner's streams to the manager
            runs.cancel(report)
        expect(eta).to_have_text("its queue is paused, 3 ahead")  # not before the frame reads it again
        page.clock.fast_forward(REREAD_SECONDS * 1000)
        expect(eta).to_have_text("its queue is paused, 1 ahead")
        runs.cancel(theirs[2])
        page.clock.fast_forward(REREAD_SECONDS * 1000)
        expect(eta).to_have_text("next in line, its queue is paused")
    finally:
        pause.resume("reports", redis_conn)
    # let go, it runs: the page follows its own job's streams from there
    expect(page.get_by_test_id("report-status")).to_have_attribute("data-status", "completed", timeout=30000)
    expect(page.get_by_test_id("report-eta")).to_have_count(0)
