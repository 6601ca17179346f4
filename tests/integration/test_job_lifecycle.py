"""JobStatus follows each job's life with real RQ workers (forking subprocesses), SIGKILL included."""
from __future__ import annotations

import os
import signal
import time

import pytest
from rq import Queue

from app.background.enqueue import enqueue
from app.background.reconcile import reconcile
from app.models import JobState, JobStatus


def wait_for(db, status: JobStatus, predicate, timeout: float = 20, every: float = 0.05) -> JobStatus:
    deadline = time.time() + timeout
    while time.time() < deadline:
        db.session.refresh(status)
        if predicate(status):
            return status
        time.sleep(every)
    raise AssertionError(f"timed out; job is {status.status} ({status.error_message})")


def test_a_job_goes_pending_processing_completed_with_timings(db, start_worker):
    status = enqueue("sleep", 1.5)
    assert status.status == "pending" and status.started_at is None
    worker = start_worker("default")
    wait_for(db, status, lambda s: s.status == "processing")
    assert status.started_at >= status.enqueued_at and status.attempts == 1 and status.worker
    wait_for(db, status, lambda s: s.status == "completed", timeout=20)
    assert status.finished_at >= status.started_at
    assert 1400 <= status.duration_ms < 10000
    assert status.progress == 100 and status.result_summary == "slept 1.5s"
    assert status.error_message is None and status.traceback is None, worker.output()


def test_a_raising_job_is_retried_by_its_policy_then_fails_with_message_and_traceback(db, start_worker):
    status = enqueue("fail", "the disk is full")
    start_worker("default")
    wait_for(db, status, lambda s: s.status == "failed" and s.attempts == s.max_attempts, timeout=30)
    assert status.attempts == 3  # retries=2 in app/background/catalog.py
    assert status.error_message == "the disk is full"
    assert "RuntimeError: the disk is full" in status.traceback and "jobs/diagnostics.py" in status.traceback
    assert status.finished_at is not None and status.duration_ms is not None


def test_a_failure_with_retries_left_goes_back_to_pending(db, run_jobs):
    status = enqueue("fail", "first try fails")
    run_jobs()  # burst: the retry is scheduled 1 s later, so this run sees one attempt only
    status = db.session.get(JobStatus, status.id)  # the in-process runner closed the session
    assert status.status == "pending" and status.attempts == 1
    assert status.error_message == "first try fails"


def test_jobs_enqueued_around_the_helper_are_tracked_by_the_runner(db, redis_conn, run_jobs):
    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "echo", "hand-made")
    run_jobs()
    status = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == job.id))
    assert status is not None and status.status == "completed" and status.result_summary == "hand-made"


@pytest.mark.timeout(90)
def test_sigkilled_worker_leaves_no_job_processing_and_the_job_runs_again(db, start_worker, redis_conn):
    """kill -9 the worker and its work-horse mid-job; reconcile (what the recurring entry runs) takes the
    JobStatus out of "processing" through RQ's registries, and a new worker runs the job to completion."""
    started = time.time()
    status = enqueue("sleep", 4)
    first = start_worker("default", name="doomed")
    wait_for(db, status, lambda s: s.status == "processing" and s.progress > 0)
    horse_pid = int(status.worker.rsplit(":", 1)[1])
    os.killpg(first.proc.pid, signal.SIGKILL)
    os.killpg(horse_pid, signal.SIGKILL)  # the horse runs in its own process group (RQ calls setpgrp)
    first.proc.wait(timeout=5)
    time.sleep(1)
    db.session.refresh(status)
    assert status.status == "processing"  # nobody told the database

    start_worker("default", name="rescuer")
    deadline = time.time() + 60
    while time.time() < deadline:
        reconcile()
        db.session.refresh(status)
        if status.status != JobState.PROCESSING.value or status.attempts > 1:
            break
        time.sleep(2)
    assert status.status in ("pending", "processing", "completed")
    left_processing = time.time() - started
    assert left_processing < 50

    deadline = time.time() + 30
    while status.status != "completed" and time.time() < deadline:
        reconcile()  # also enqueues the retry if the dead worker's RQ scheduler lock still blocks it
        time.sleep(1)
        db.session.refresh(status)
    assert status.status == "completed", status.error_message
    assert status.attempts == 2 and status.worker.rsplit(":", 1)[1] != str(horse_pid)


def test_progress_is_written_at_most_every_quarter_second_unless_its_message_changes():
    """A dashboard job ticks per section within milliseconds: none of those ticks costs a write; a long job
    still shows progress about four times a second, and a new message (a seeding phase) shows at once."""
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from freezegun import freeze_time

    from app.background.tracking import PROGRESS_EVERY, _progress_due

    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    job = SimpleNamespace(meta={}, started_at=start)
    with freeze_time(start + timedelta(milliseconds=30)) as clock:
        assert [_progress_due(job, None) for _ in range(6)] == [False] * 6  # a short job's ticks
        assert _progress_due(job, "Creating an organization")  # a new message shows at once
        job.meta["progress_message"] = "Creating an organization"
        assert not _progress_due(job, "Creating an organization")
        clock.tick(PROGRESS_EVERY + 0.01)
        assert _progress_due(job, None)
        assert not _progress_due(job, None)
        clock.tick(PROGRESS_EVERY + 0.01)
        assert _progress_due(job, None)
