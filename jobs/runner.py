"""The function RQ actually runs: it tracks JobStatus around the real job function.

Every job enqueued through app.background.enqueue.enqueue() runs as perform(kind, *args), so
status, timings, attempts and errors are recorded without the job's own code doing anything.
A job enqueued some other way (rq-dashboard's requeue, `rq enqueue jobs.runner.perform kind`)
gets its JobStatus row here, on its first run.
"""
from __future__ import annotations

import os
import socket

from rq import get_current_job
from werkzeug.utils import import_string

from app.background import tracking
from app.background.catalog import get_kind
from app.extensions import db
from app.models import JobState

_engine_pid = os.getpid()


def perform(kind: str, *args):
    spec = get_kind(kind)
    _forget_parent_connections()
    job = get_current_job()
    job_id = job.id if job else None
    worker = f"{socket.gethostname()}:{os.getpid()}"
    status = None
    try:
        if job_id:
            status = tracking.ensure(job, spec.name, max_attempts=spec.retries + 1)
            if status.status == JobState.CANCELED:
                return "canceled before it started"  # canceled in the instant a worker took it
            tracking.mark_processing(status, worker)
        try:
            result = import_string(spec.func)(*args)
        except Exception as exc:
            db.session.rollback()
            if job_id:
                tracking.mark_failed(job_id, exc, will_retry=bool(job.retries_left))
            raise
        if job_id:
            tracking.mark_completed(job_id, None if result is None else str(result), status=status)
        return result
    finally:
        db.session.remove()


def _forget_parent_connections() -> None:
    """A forked work-horse must not reuse the parent's database connections."""
    global _engine_pid
    if os.getpid() != _engine_pid:
        db.engine.dispose(close=False)
        _engine_pid = os.getpid()
