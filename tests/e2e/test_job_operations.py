"""In Chromium: an admin finds a failed job by a word of its error, retries every failure of its kind as a bulk
action (count first, then the maintenance job's progress), and watches the jobs complete live on another tab."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import screenshot, settle_streams, sign_in
from tests.jobrows import job_rows

pytestmark = pytest.mark.e2e


def test_find_a_failure_by_its_error_retry_its_kind_and_watch_them_complete(live_server, factory, db, redis_conn,
                                                                             browser):
    factory.user(None, Role.MEMBER, email="root@platform.test", is_system_admin=True)
    quokkas = job_rows(db, 3, kind="echo", error="Upstream quokka refused the call", rq=redis_conn)
    other_echo = job_rows(db, 1, kind="echo", error="disk full", rq=redis_conn)
    other_kind = job_rows(db, 1, kind="cleanup", error="quokka elsewhere", rq=redis_conn)

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "root@platform.test")
    page.goto(f"{live_server}/jobs")
    settle_streams(page)  # the page's socket catches up first (a refresh then would stop the search's visit)
    page.get_by_text("More filters").click()
    page.get_by_label("Text in arguments or error").fill("quokka")
    page.get_by_label("Kind").select_option("echo")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: "text=quokka" in url and "kind=echo" in url)  # the search is a link
    expect(page.get_by_test_id("job-row")).to_have_count(3)
    page.locator(f"#job-{quokkas[0]} a").first.click()
    expect(page.get_by_test_id("job-error")).to_contain_text("Upstream quokka refused the call")

    watcher = context.new_page()  # a second tab shows every echo job, and must update without reloading
    watcher.goto(f"{live_server}/jobs?kind=echo")
    expect(watcher.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    expect(watcher.locator('tr[data-testid="job-row"][data-status="failed"]')).to_have_count(4)
    watcher.evaluate("window.__sameDocument = true")

    page.goto(f"{live_server}/jobs?kind=echo&status=failed")
    page.get_by_test_id("bulk-actions").get_by_role("link", name="Retry failed…").click()
    expect(page.get_by_test_id("bulk-count")).to_have_text("4")  # every echo failure, not only the quokkas
    screenshot(page, "jobs-bulk-confirm")
    page.get_by_role("button", name="Retry 4 jobs").click()
    detail = page.get_by_test_id("job-detail")
    expect(detail).to_have_attribute("data-status", "completed", timeout=20000)
    expect(page.get_by_test_id("job-progress")).to_have_text("100%")
    expect(detail).to_contain_text("retry: 4 of 4 jobs")

    for job_id in quokkas + other_echo:
        expect(watcher.locator(f"#job-{job_id}")).to_have_attribute("data-status", "completed", timeout=20000)
    assert watcher.evaluate("window.__sameDocument") is True  # streamed, not reloaded
    screenshot(watcher, "jobs-retried-live")
    page.goto(f"{live_server}/jobs?kind=cleanup")
    expect(page.locator(f"#job-{other_kind[0]}")).to_have_attribute("data-status", "failed")
    context.close()
