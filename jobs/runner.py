"""The function RQ actually runs: it tracks JobStatus around the real job function.

Every job enqueued through app.services.job_queue.enqueue() runs as perform(kind, *args), so
status, timings, attempts and errors are recorded without the job's own code doing anything.
"""
from __future__ import annotations

import os
import socket

from rq import get_current_job
from werkzeug.utils import import_string

from app.extensions import db
from app.services import job_tracking
from jobs.kinds import get_kind

_engine_pid = os.getpid()


def perform(kind: str, *args):
    spec = get_kind(kind)
    _forget_parent_connections()
    job = get_current_job()
    job_id = job.id if job else None
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if job_id:
        job_tracking.mark_processing(job_id, worker)
    try:
        result = import_string(spec.func)(*args)
    except Exception as exc:
        db.session.rollback()
        if job_id:
            job_tracking.mark_failed(job_id, exc, will_retry=bool(job.retries_left))
        raise
    else:
        if job_id:
            job_tracking.mark_completed(job_id, None if result is None else str(result))
        return result
    finally:
        db.session.remove()


def _forget_parent_connections() -> None:
    """A forked work-horse must not reuse the parent's database connections."""
    global _engine_pid
    if os.getpid() != _engine_pid:
        db.engine.dispose(close=False)
        _engine_pid = os.getpid()
