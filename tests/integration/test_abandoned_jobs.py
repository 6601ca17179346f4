"""A job whose worker was SIGKILLed leaves "processing" without any worker on the maintenance queue:
a worker that starts reconciles before it takes jobs, and the scheduler process reconciles by itself."""
from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from app.background.enqueue import enqueue
from app.models import JobState, JobStatus
from tests.integration.test_job_lifecycle import wait_for
from tests.processes import Process


def kill_worker_mid_job(db, start_worker) -> JobStatus:
    """A slow job, its worker and work-horse SIGKILLed while it runs, nobody told: returns its JobStatus."""
    status = enqueue("sleep", 4)  # retries=1: RQ retries an abandoned execution once
    doomed = start_worker("default", name="doomed")
    wait_for(db, status, lambda s: s.status == "processing" and s.progress > 0)
    horse_pid = int(status.worker.rsplit(":", 1)[1])
    os.killpg(doomed.proc.pid, signal.SIGKILL)
    os.killpg(horse_pid, signal.SIGKILL)  # the horse runs in its own process group (RQ calls setpgrp)
    doomed.proc.wait(timeout=5)
    time.sleep(1)
    db.session.refresh(status)
    assert status.status == "processing"  # nobody told the database
    return status


@pytest.mark.timeout(90)
def test_a_worker_starting_on_other_queues_reconciles_a_dead_workers_job_before_working(db, start_worker):
    status = kill_worker_mid_job(db, start_worker)
    rescuer = start_worker("default")  # no worker takes the maintenance queue
    wait_for(db, status, lambda s: s.status != JobState.PROCESSING.value or s.attempts > 1, timeout=20)
    assert status.attempts > 1 or (status.status == "pending" and "worker died" in status.error_message), \
        rescuer.output()
    # the worker logs it once reconcile() has returned, a moment after the row was committed
    deadline = time.monotonic() + 10
    while "reconciled before starting" not in rescuer.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "reconciled before starting" in rescuer.output()


@pytest.mark.timeout(90)
def test_the_scheduler_alone_reconciles_a_dead_workers_job(db, start_worker):
    status = kill_worker_mid_job(db, start_worker)
    scheduler = Process([sys.executable, "-m", "flask", "jobs", "scheduler"], f"scheduler-{time.time():.0f}")
    try:
        wait_for(db, status, lambda s: s.status != JobState.PROCESSING.value, timeout=20)
        assert status.status == "pending"  # RQ will retry it (retries left); no worker ran anything
        assert status.error_message and "worker died" in status.error_message, scheduler.output()
    finally:
        scheduler.stop()
