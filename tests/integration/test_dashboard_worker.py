"""The dashboard worker runs jobs in its own process (no fork per job), and still enforces job timeouts and
recovers from being SIGKILLed; and a system-dashboard job never holds a user's, team's or organization's back."""
from __future__ import annotations

import os
import signal
import time

import pytest
from rq import Queue, Retry

from app.background.catalog import DASHBOARD, PERFORM, SYSTEM_DASHBOARD
from app.background.reconcile import reconcile
from app.models import JobState, JobStatus, Role
from tests.integration.test_job_lifecycle import wait_for


def enqueue_on(redis_conn, db, queue: str, *args, timeout: int = 60, retries: int = 0) -> JobStatus:
    """A diagnostic job put straight on `queue` (the catalog pins each kind to its own queue)."""
    job = Queue(queue, connection=redis_conn).enqueue(PERFORM, *args, job_timeout=timeout,
                                                      retry=Retry(max=retries, interval=1) if retries else None)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        db.session.expire_all()
        status = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == job.id))
        if status is not None:
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job.id} was never picked up")


@pytest.mark.timeout(60)
def test_the_no_fork_worker_runs_jobs_in_its_own_process_and_enforces_their_timeout(db, redis_conn, start_worker):
    worker = start_worker(DASHBOARD, fork=False)
    slow = enqueue_on(redis_conn, db, DASHBOARD, "sleep", 30, timeout=2)
    wait_for(db, slow, lambda s: s.status == "failed", timeout=20)
    assert "timeout" in (slow.error_message or "").lower(), slow.error_message
    assert slow.duration_ms < 10_000  # stopped at its 2 s timeout, not after its 30 s of sleep
    assert slow.worker.rsplit(":", 1)[1] == str(worker.proc.pid)  # it ran in the worker process: no work-horse

    after = enqueue_on(redis_conn, db, DASHBOARD, "echo", "still here")
    wait_for(db, after, lambda s: s.status == "completed", timeout=20)
    assert after.result_summary == "still here", worker.output()
    assert worker.proc.poll() is None  # the timeout took the job, not the worker


@pytest.mark.timeout(90)
def test_a_sigkilled_no_fork_worker_leaves_its_job_to_reconciliation_and_it_runs_again(db, redis_conn,
                                                                                      start_worker):
    doomed = start_worker(DASHBOARD, name="doomed", fork=False)
    status = enqueue_on(redis_conn, db, DASHBOARD, "sleep", 4, retries=1)
    wait_for(db, status, lambda s: s.status == "processing" and s.progress > 0)
    os.killpg(doomed.proc.pid, signal.SIGKILL)
    doomed.proc.wait(timeout=5)
    time.sleep(1)
    db.session.refresh(status)
    assert status.status == "processing"  # nobody told the database

    rescuer = start_worker(DASHBOARD, name="rescuer", fork=False)  # reconciles before it takes jobs
    deadline = time.monotonic() + 45
    while status.status != "completed" and time.monotonic() < deadline:
        reconcile()  # as the scheduler process does: releases the retry the dead worker's RQ scheduler held
        time.sleep(1)
        db.session.refresh(status)
    assert status.status == "completed", (status.error_message, rescuer.output())
    assert status.attempts == 2, rescuer.output()
    assert status.worker.rsplit(":", 1)[1] == str(rescuer.proc.pid)


@pytest.mark.timeout(90)
def test_an_organization_dashboard_job_completes_while_a_system_dashboard_job_runs(app, db, factory, redis_conn,
                                                                                   start_workers, watch):
    from app.dashboards.recompute import recompute_later
    from app.live.topics import DashboardKey

    org = factory.organization()
    factory.user(org, Role.OWNER)
    start_workers()
    system = enqueue_on(redis_conn, db, SYSTEM_DASHBOARD, "sleep", 8)  # a long system-dashboard job
    wait_for(db, system, lambda s: s.status == "processing", timeout=30)

    key = DashboardKey("org", org.id)
    watch(key)
    asked = time.monotonic()
    recompute_later([key])
    org_job = db.session.scalar(db.select(JobStatus).where(JobStatus.coalesce_key == str(key)))
    wait_for(db, org_job, lambda s: s.status == "completed", timeout=30)
    assert time.monotonic() - asked < 5
    db.session.refresh(system)
    assert system.status == JobState.PROCESSING.value  # the system job was still running all along
