"""In Chromium: an admin opens the Failures tab, finds a cluster of failures, retries it with one click (an audited
bulk action whose job shows its progress) and the cluster is gone once its jobs have run again."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Role
from app.models.job_status import failure_fingerprint
from tests.e2e.conftest import screenshot, sign_in
from tests.jobrows import job_rows

pytestmark = pytest.mark.e2e

TRACEBACK = ('Traceback (most recent call last):\n  File "/srv/timeboard/jobs/diagnostics.py", line 9, in echo\n'
             '    raise ConnectionError("upstream")\nConnectionError: upstream refused\n')


def test_retry_a_failure_cluster_and_see_it_go(live_server, factory, db, redis_conn, page):
    factory.user(None, Role.MEMBER, email="root@platform.test", is_system_admin=True)
    key = failure_fingerprint("echo", TRACEBACK, "upstream refused")
    job_rows(db, 3, kind="echo", error="upstream refused", traceback=TRACEBACK, fingerprint=key, rq=redis_conn)
    job_rows(db, 1, kind="cleanup", error="disk full", rq=redis_conn)  # another cluster, left alone
    sign_in(page, live_server, "root@platform.test")
    page.goto(f"{live_server}/jobs")
    page.get_by_test_id("job-tabs").get_by_role("link", name="Failures").click()
    cluster = page.locator(f'[data-testid="failure-cluster"][data-cluster="{key}"]')
    expect(cluster.get_by_test_id("cluster-count")).to_have_text("3")
    expect(cluster).to_contain_text("ConnectionError")
    expect(cluster).to_contain_text("jobs/diagnostics.py:echo")
    expect(page.get_by_test_id("failure-cluster")).to_have_count(2)
    screenshot(page, "jobs-failure-clusters")
    cluster.get_by_role("button", name="Retry 3").click()
    expect(page.locator(".flash")).to_contain_text("Retry of 3 jobs started")
    detail = page.get_by_test_id("job-detail")
    expect(detail).to_have_attribute("data-status", "completed", timeout=20000)
    expect(detail).to_contain_text("retry: 3 of 3 jobs")

    page.goto(f"{live_server}/jobs/failures")  # the echo jobs ran again and completed: only cleanup's is left
    expect(page.locator(f'[data-cluster="{key}"]')).to_have_count(0, timeout=20000)
    expect(page.get_by_test_id("failure-cluster")).to_have_count(1)


def test_discard_a_cluster_then_undo_it_for_one_job(live_server, factory, db, redis_conn, page):
    factory.user(None, Role.MEMBER, email="root@platform.test", is_system_admin=True)
    key = failure_fingerprint("echo", TRACEBACK, "upstream refused")
    ids = job_rows(db, 2, kind="echo", error="upstream refused", traceback=TRACEBACK, fingerprint=key, rq=redis_conn)
    sign_in(page, live_server, "root@platform.test")
    page.goto(f"{live_server}/jobs/failures")
    page.locator(f'[data-cluster="{key}"]').get_by_role("button", name="Discard 2").click()
    expect(page.locator(".flash")).to_contain_text("Discard of 2 jobs started")
    expect(page.get_by_test_id("job-detail")).to_have_attribute("data-status", "completed", timeout=20000)

    page.goto(f"{live_server}/jobs?kind=echo")
    expect(page.locator(f"#job-{ids[0]}")).to_have_count(0)  # gone from the list
    page.locator('a.metric[data-status="discarded"]').click()
    row = page.locator(f"#job-{ids[0]}")
    expect(row.get_by_test_id("job-discarded")).to_be_visible()
    row.get_by_role("button", name="Restore").click()
    expect(page.locator(".flash")).to_contain_text("job restored")
    restored = page.locator(f"#job-{ids[0]}")
    expect(restored).to_have_attribute("data-status", "failed")
    expect(restored.get_by_test_id("job-discarded")).to_have_count(0)
    expect(restored.get_by_role("button", name="Retry")).to_be_visible()  # failed as it was: retryable
    expect(page.locator(f"#job-{ids[1]}")).to_have_count(0)  # the other one stays discarded
    screenshot(page, "jobs-discard-undone")
