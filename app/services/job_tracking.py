"""JobStatus bookkeeping: the runner and the reconciler call these; job code only calls report_progress().

Every change is committed at once and broadcast to the job monitor (topics jobs:all and
jobs:user:<id>), so /jobs shows each job's life live.
"""
from __future__ import annotations

import logging
import traceback as tb

from rq import get_current_job

from app.extensions import db
from app.models import JobState, JobStatus, utcnow

log = logging.getLogger(__name__)


def find(rq_job_id: str) -> JobStatus | None:
    return db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == rq_job_id))


def mark_processing(rq_job_id: str, worker: str | None = None) -> JobStatus | None:
    status = find(rq_job_id)
    if status is None:
        return None
    status.status = JobState.PROCESSING.value
    status.started_at = utcnow()
    status.finished_at = None
    status.duration_ms = None
    status.progress = 0
    status.attempts += 1
    status.worker = worker
    db.session.commit()
    broadcast_job(status)
    return status


def mark_completed(rq_job_id: str, result_summary: str | None = None) -> None:
    status = find(rq_job_id)
    if status is None:
        return
    _finish(status, JobState.COMPLETED)
    status.progress = 100
    status.result_summary = (result_summary or "")[:500] or None
    status.error_message = None
    db.session.commit()
    broadcast_job(status)


def mark_failed(rq_job_id: str, exc: BaseException | str, will_retry: bool = False) -> None:
    """Record a failure; when the retry policy will run the job again it goes back to pending."""
    status = find(rq_job_id)
    if status is None:
        return
    _finish(status, JobState.PENDING if will_retry else JobState.FAILED)
    status.error_message = str(exc)[:2000] or type(exc).__name__
    if isinstance(exc, BaseException):
        status.traceback = "".join(tb.format_exception(type(exc), exc, exc.__traceback__))[-20000:]
    db.session.commit()
    broadcast_job(status)


def mark_canceled(status: JobStatus) -> None:
    _finish(status, JobState.CANCELED)
    db.session.commit()
    broadcast_job(status)


def _finish(status: JobStatus, state: JobState) -> None:
    status.status = state.value
    status.finished_at = utcnow()
    if status.started_at:
        status.duration_ms = int((status.finished_at - status.started_at).total_seconds() * 1000)


def report_progress(percent: int, message: str | None = None) -> None:
    """Called from inside a job: store progress on JobStatus and in job.meta, and broadcast it."""
    job = get_current_job()
    if job is None:
        return
    percent = max(0, min(100, int(percent)))
    job.meta["progress"] = percent
    if message:
        job.meta["progress_message"] = message
    job.save_meta()
    status = find(job.id)
    if status is not None and status.progress != percent:
        status.progress = percent
        db.session.commit()
        broadcast_job(status)


def broadcast_job(status: JobStatus) -> None:
    """Replace the job's row (and detail) on every job monitor allowed to see it."""
    from app.streams import broadcast

    topics = ["jobs:all"] + ([f"jobs:user:{status.user_id}"] if status.user_id else [])
    try:
        broadcast(topics, "replace", f"job-{status.rq_job_id}", "jobs/_job_row.html", job=status)
        broadcast(topics, "replace", f"job-{status.rq_job_id}-detail", "jobs/_job_detail.html", job=status)
    except Exception:  # the monitor is a view of the truth in the database; never fail a job for it
        log.exception("could not broadcast job %s", status.rq_job_id)
