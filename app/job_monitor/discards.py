"""Discarding failed jobs, and undoing it. A discarded job leaves the job list and the failure clusters but keeps
its record, so it still counts in every figure (throughput, per queue, per organization); for DISCARD_UNDO (24 h)
it can be restored, failed again as it was: its RQ job is taken out of the failed registry and left to expire from
Redis after that time, and a restore puts it back, so a restored job can still be retried."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from rq.job import Job
from rq.registry import FailedJobRegistry

from app.models import DISCARD_UNDO, JobStatus, utcnow
from app.redis_client import get_redis

FAILURE_TTL = 7 * 86400  # as enqueue gives every job


class RestoreError(ValueError):
    """A job that cannot be restored (not discarded, or discarded too long ago)."""


def restorable(row: JobStatus, now: datetime | None = None) -> bool:
    return row.discarded_at is not None and (now or utcnow()) < row.discarded_at + DISCARD_UNDO


def _fetch(rows: list[JobStatus]) -> list[Job | None]:
    return Job.fetch_many([row.rq_job_id for row in rows], connection=get_redis())


def discard(rows: list[JobStatus]) -> int:
    """Discard failed jobs (the caller commits); returns how many."""
    r = get_redis()
    with r.pipeline() as pipe:
        for job in _fetch(rows):
            if job is not None:
                FailedJobRegistry(job.origin, connection=r).remove(job.id, delete_job=False, pipeline=pipe)
                pipe.expire(job.key, int(DISCARD_UNDO.total_seconds()))
        pipe.execute()
    for row in rows:
        row.discard()
    return len(rows)


def restore(rows: list[JobStatus], now: datetime | None = None) -> int:
    """Restore the rows discarded less than DISCARD_UNDO ago (the caller commits); returns how many."""
    rows = [row for row in rows if restorable(row, now)]
    r = get_redis()
    with r.pipeline() as pipe:
        for job in _fetch(rows):
            if job is not None:  # its data may have gone with Redis: the record is restored all the same
                FailedJobRegistry(job.origin, connection=r).add(job, ttl=FAILURE_TTL, pipeline=pipe)
        pipe.execute()
    for row in rows:
        row.restore()
    return len(rows)


def restore_one(row: JobStatus) -> None:
    if row.discarded_at is None:
        raise RestoreError(_("This job is not discarded."))
    if not restorable(row):
        raise RestoreError(_("This job was discarded more than %(hours)s hours ago; it can no longer be restored.",
                             hours=int(DISCARD_UNDO.total_seconds() // 3600)))
    restore([row])
