"""In Chromium: the job monitor shows a job's life live (pending -> processing -> completed) without a reload."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.background.enqueue import enqueue
from app.background.tracking import broadcast_job
from app.models import JobStatus, Role
from tests.e2e.conftest import HeldRequests, screenshot, settle_streams, sign_in
from tests.jobrows import job_rows

pytestmark = pytest.mark.e2e


def test_a_job_row_changes_state_live_on_the_job_monitor(live_server, factory, page):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    someone_else = factory.user(org, Role.MEMBER, email="other@example.com")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/jobs")
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    before = page.get_by_test_id("job-row").count()  # e.g. the dashboard job signing in started
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    page.evaluate("document.addEventListener('turbo:morph', () => { window.__morphed = true })")

    enqueue("echo", "not yours", user_id=someone_else.id)  # another user's job never shows up here
    status = enqueue("sleep", 3, user_id=member.id, delay=2)  # scheduled: visible as pending first
    row = page.locator(f"#job-{status.rq_job_id}")
    expect(row).to_have_attribute("data-status", "pending", timeout=5000)
    expect(row.get_by_test_id("job-status")).to_have_text("pending")
    expect(row).to_have_attribute("data-status", "processing", timeout=15000)
    expect(row.locator(".progress")).to_be_visible()
    screenshot(page, "job-monitor-processing")
    expect(row).to_have_attribute("data-status", "completed", timeout=15000)
    expect(row.get_by_test_id("job-status")).to_have_text("completed")
    expect(row.locator(".job-args")).to_be_hidden()  # "3", the job's internal arguments: the title says what it is
    expect(page.get_by_test_id("job-row")).to_have_count(before + 1)  # replaced in place, never duplicated
    expect(page.get_by_test_id("job-row").first).to_have_id(f"job-{status.rq_job_id}")  # new jobs on top
    completed_rows = page.locator('tr[data-status="completed"]').count()
    # the per-viewer counts follow through a Turbo page refresh (a morph: the same document)
    expect(page.locator('a.metric[data-status="completed"] .metric-value')).to_have_text(str(completed_rows),
                                                                                          timeout=10000)
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("window.__morphed") is True
    expect(page.get_by_test_id("stream-status")).to_have_text("live")  # a morph leaves the socket's state alone
    screenshot(page, "job-monitor")


def a_members_failed_job_on_the_live_monitor(live_server, factory, db, redis_conn, page) -> str:
    """A member signed in on /jobs, live, with one failed echo job of theirs (in RQ's failed registry too): its
    RQ id."""
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    failed = job_rows(db, 1, kind="echo", error="boom", user_id=member.id, rq=redis_conn)[0]
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/jobs")
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    return failed


def test_the_message_of_a_retry_stays_through_the_refresh_its_job_causes(live_server, factory, db, redis_conn, page):
    """Retry on /jobs: the job runs at once, and its stream refreshes the page (a morph), which has no flash of its
    own. The person still reads what their click did."""
    failed = a_members_failed_job_on_the_live_monitor(live_server, factory, db, redis_conn, page)
    page.evaluate("document.addEventListener('turbo:morph', () => { window.__morphed = true })")
    row = page.locator(f"#job-{failed}")
    row.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("alert").filter(has_text="job requeued")).to_be_visible()
    expect(row).to_have_attribute("data-status", "completed", timeout=30000)  # the shared workers may be busy a while
    page.wait_for_function("() => window.__morphed === true", timeout=10000)
    expect(page.get_by_role("alert").filter(has_text="job requeued")).to_be_visible()


def test_a_retry_whose_row_is_replaced_on_its_way_still_lands_and_the_refresh_waits_for_it(
        live_server, factory, db, redis_conn, page):
    """The streams a Retry's own request pushes can reach the page before its answer does: the job's row is
    replaced, taking the busy form with it, and the monitors are asked to refresh. That refresh must not stop the
    submission (its answer would be dropped, and the page refreshed before the request was done has no message):
    it waits, and the submission lands with its message."""
    from app.background import pause

    pause.pause("dashboard", redis_conn)  # signing in's dashboard job stays queued: its refresh never comes first
    failed = a_members_failed_job_on_the_live_monitor(live_server, factory, db, redis_conn, page)
    settle_streams(page)
    page.evaluate("""document.addEventListener('turbo:submit-end', (end) => {
        window.__landed = end.detail.success
    })""")
    retries = HeldRequests(page, r"/jobs/[0-9a-f]+/retry$")  # the retry waits while its streams reach the page
    row = page.locator(f"#job-{failed}")
    row.get_by_role("button", name="Retry").click()
    retries.wait("the retry request")

    broadcast_job(db.session.scalars(db.select(JobStatus).filter_by(rq_job_id=failed)).one())  # its row, a refresh
    expect(row.locator("form[aria-busy]")).to_have_count(0)  # the row was replaced: no busy form says "wait"
    page.wait_for_timeout(1000)  # the refresh has come due (150 ms) while the submission is on its way
    retries.release()
    expect(page.get_by_role("alert").filter(has_text="job requeued")).to_be_visible()
    page.wait_for_function("() => window.__landed === true")  # the submission was not stopped
    expect(row).to_have_attribute("data-status", "completed", timeout=30000)
    expect(page.get_by_role("alert").filter(has_text="job requeued")).to_be_visible()


def test_a_stale_retry_says_why_nothing_was_done_and_leads_back_to_the_page(live_server, factory, db, redis_conn,
                                                                            page):
    """The page still offers Retry for a job that is no longer failed (someone retried it from another page whose
    change never reached this one): the click answers why nothing was done, a refresh pushed meanwhile does not take
    that answer away, and it leads back to the page, fresh."""
    from app.background import pause

    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    failed = job_rows(db, 1, kind="echo", error="boom", user_id=member.id)[0]
    pause.pause("dashboard", redis_conn)  # signing in's dashboard job stays queued: the counts are the echo job's
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/jobs?status=failed&kind=echo")
    row = page.locator(f"#job-{failed}")
    expect(row.get_by_role("button", name="Retry")).to_be_visible()
    db.session.execute(db.update(JobStatus).where(JobStatus.rq_job_id == failed).values(status="pending"))
    db.session.commit()  # retried elsewhere; no stream says so
    row.get_by_role("button", name="Retry").click()
    answer = page.get_by_text("Only a failed job can be retried; this one is pending")
    expect(answer).to_be_visible()
    back = page.get_by_role("link", name="Back to the page you were on")
    expect(back).to_have_attribute("href", "/jobs?status=failed&kind=echo")
    page.evaluate("""() => Turbo.renderStreamMessage('<turbo-stream action="refresh"></turbo-stream>')""")
    page.wait_for_timeout(1000)  # a job's refresh, due after 150 ms: it would fetch the list and replace the answer
    expect(answer).to_be_visible()
    back.click()
    expect(page.get_by_test_id("job-counts").locator('[data-status="pending"] .metric-value')).to_have_text("1")
    expect(page.get_by_test_id("job-counts").locator('[data-status="failed"] .metric-value')).to_have_text("0")
    expect(row).to_have_count(0)  # no longer failed: not in this list
