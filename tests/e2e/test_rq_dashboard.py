"""In Chromium: rq-dashboard still works from its own pages (its scripts run under its policy, and its
same-origin POSTs pass the cross-site guard): a system admin requeues a failed job."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

QUEUE = "rq_dashboard_test"  # a queue no worker serves (the browser tests' shared workers would take the job)


def fail_on_purpose():
    raise RuntimeError("failed on purpose")


def test_a_system_admin_requeues_a_failed_job_from_the_dashboard(start_web, factory, redis_conn, page):
    admin = factory.user(None, email="root@platform.test", is_system_admin=True)
    queue = Queue(QUEUE, connection=redis_conn)
    job = queue.enqueue(fail_on_purpose)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    failed = FailedJobRegistry(QUEUE, connection=redis_conn)
    assert failed.get_job_ids() == [job.id]
    base = start_web()

    sign_in(page, base, admin.email)
    page.goto(f"{base}/admin/rq/0/view/jobs/{QUEUE}/failed/8/asc/1")
    expect(page.locator("#jobs tbody")).to_contain_text(job.id)  # rendered by its own scripts
    page.click("#requeue-all-btn")
    page.click("#confirmation-modal-yes")

    # RQ takes the job out of the failed registry before it pushes it onto the queue: wait for both.
    deadline = time.time() + 10
    while (failed.get_job_ids() or not queue.get_job_ids()) and time.time() < deadline:
        time.sleep(0.1)
    assert failed.get_job_ids() == [] and queue.get_job_ids() == [job.id]
