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


def ensure(job, kind: str, max_attempts: int = 1) -> JobStatus:
    """The JobStatus of an RQ job, created when the job was enqueued around the helper (by hand, by
    rq-dashboard or by a plain rqscheduler), so that every job the runner performs is tracked."""
    from app.services.job_queue import summarize_args

    status = find(job.id)
    if status is not None:
        return status
    meta = job.meta or {}
    status = JobStatus(
        rq_job_id=job.id, kind=kind, queue=job.origin, user_id=meta.get("user_id"), coalesce_key=meta.get("key"),
        args_summary=summarize_args(job.args[1:]), status=JobState.PENDING.value,
        enqueued_at=(job.enqueued_at or utcnow()).replace(tzinfo=None), max_attempts=max_attempts,
    )
    db.session.add(status)
    db.session.commit()
    broadcast_job(status, created=True)
    return status


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
    status.traceback = None
    db.session.commit()
    broadcast_job(status)


def mark_failed(rq_job_id: str, exc: BaseException | str, will_retry: bool = False) -> None:
    """Record a failure; when the retry policy will run the job again it goes back to pending."""
    status = find(rq_job_id)
    if status is None:
        return
    record_failure(status, exc, will_retry)


def record_failure(status: JobStatus, exc: BaseException | str, will_retry: bool = False) -> None:
    _finish(status, JobState.PENDING if will_retry else JobState.FAILED)
    status.error_message = (str(exc)[:2000] or type(exc).__name__) if exc else "failed"
    if isinstance(exc, BaseException):
        status.traceback = "".join(tb.format_exception(type(exc), exc, exc.__traceback__))[-20000:]
    db.session.commit()
    broadcast_job(status)


def mark_pending(status: JobStatus, note: str | None = None) -> None:
    """Back to the queue: a manual retry, or an abandoned execution RQ is retrying."""
    status.status = JobState.PENDING.value
    status.finished_at = None
    status.duration_ms = None
    status.progress = 0
    if note:
        status.error_message = note
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


def topics_for(status: JobStatus) -> list[str]:
    return ["jobs:all"] + ([f"jobs:user:{status.user_id}"] if status.user_id else [])


def broadcast_job(status: JobStatus, created: bool = False) -> None:
    """Show the job's new state on every job monitor allowed to see it.

    A new job is prepended to the unfiltered first page (tbody#job-rows; Turbo 8 drops a child with
    the same id first, so a repeated prepend never duplicates a row); an existing one is replaced
    in place, wherever it is listed, and so is its detail page.
    """
    from app.streams import broadcast

    topics = topics_for(status)
    target = f"job-{status.rq_job_id}"
    try:
        if created:
            broadcast(topics, "prepend", "job-rows", "jobs/_job_row.html", job=status)
        else:
            broadcast(topics, "replace", target, "jobs/_job_row.html", job=status)
            broadcast(topics, "replace", f"{target}-detail", "jobs/_job_detail.html", job=status)
    except Exception:  # the monitor is a view of the truth in the database; never fail a job for it
        log.exception("could not broadcast job %s", status.rq_job_id)
