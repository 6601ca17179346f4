"""Queue again what Redis lost: the JobStatus rows are the job system's durable record.

Redis without persistence comes back empty after a restart, and even a persistent one can lose its last
seconds. Every pending row names a job (its rq_job_id) and holds what rebuilds it (kind, the full arguments,
a delayed job's due time), so the reconciler (app/background/reconcile.py, one process at a time under its
lock, every 30 s in the scheduler and as a worker starts) puts each job that Redis no longer holds back,
under the same id, once:

- a pending job still in Redis is left alone; one younger than GRACE may be being enqueued right now;
- a delayed job keeps its due time (at once when that has passed); a pending retry keeps the retries left;
- a coalesced job (a dashboard's, a recurring entry's run) takes its coalescing key in Redis back, unless a
  newer job holds it since: then the newer one serves the key and the lost one is canceled as superseded;
- a processing job whose RQ job is gone was running when Redis went: while its worker still runs it (the
  worker's heartbeat marks it, or its process on this machine is alive) it is left alone; once its worker
  is gone it is abandoned, and retried by its kind's policy like any dead worker's job, or failed;
- a row without stored arguments (written before they were kept) is failed as lost after LOST_AFTER.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta

import redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from app.background import arguments, tracking
from app.background.catalog import get_kind
from app.background.enqueue import COALESCE_PREFIX, PENDING_RQ_STATES, submit
from app.extensions import db
from app.models import JobState, JobStatus, utcnow

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=2)  # a pending row this young may still be on its way into Redis (milliseconds)
LOST_AFTER = timedelta(minutes=10)  # a row that cannot be rebuilt is failed as lost after this
RUNNING_PREFIX = "timeboard:running:"  # <job id>: a worker runs it (refreshed with each heartbeat)
RUNNING_TTL = 60  # seconds
SINCE_KEY = "timeboard:redis:since"  # when a reconciler first saw this Redis (an empty one: just now)
SETTLE = 30  # seconds after Redis came back for running workers to mark their jobs again
STARTED_GRACE = timedelta(minutes=1)
REQUEUED = "queued again: Redis had lost it"
ABANDONED = "worker died (abandoned)"


def requeue_lost(r: redis.Redis, now: datetime | None = None) -> int:
    """Queue again every pending job older than GRACE that Redis no longer holds; returns how many rows
    changed (queued again, superseded, or failed as lost)."""
    now = now or utcnow()
    ids = db.session.execute(select(JobStatus.id, JobStatus.rq_job_id).where(
        JobStatus.status == JobState.PENDING, JobStatus.enqueued_at < now - GRACE).order_by(JobStatus.id)).all()
    changed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        with r.pipeline(transaction=False) as pipe:
            for _, rq_job_id in chunk:
                pipe.exists(Job.key_for(rq_job_id))
            present = pipe.execute()
        for (row_id, _), found in zip(chunk, present, strict=True):
            if found:
                continue
            status = db.session.get(JobStatus, row_id)
            if status is not None and status.status == JobState.PENDING:
                changed += _requeue_pending(r, status, now)
    return changed


def _requeue_pending(r: redis.Redis, status: JobStatus, now: datetime) -> int:
    if status.arguments is None:
        if status.enqueued_at < now - LOST_AFTER:
            return tracking.transition(status, JobState.PENDING,
                                       lambda s: s.fail("lost: the job is no longer in Redis"))
        return 0
    args = arguments.decode(status.arguments)
    retries = status.max_attempts - status.attempts - 1
    if not status.coalesce_key:
        submit(status, args, retries)
        return tracking.transition(status, JobState.PENDING, lambda s: s.requeue(REQUEUED))
    spec = get_kind(status.kind)
    key = status.coalesce_key
    with r.lock(f"{COALESCE_PREFIX}lock:{key}", timeout=10, blocking_timeout=10):
        holder = r.get(COALESCE_PREFIX + key)
        holder = holder.decode() if holder else None
        if holder and holder != status.rq_job_id and _pending_in_redis(r, holder):
            return tracking.transition(status, JobState.PENDING,
                                       lambda s: _supersede(s, holder))
        submit(status, args, retries)
        r.set(COALESCE_PREFIX + key, status.rq_job_id, ex=spec.timeout + 3600)
    return tracking.transition(status, JobState.PENDING, lambda s: s.requeue(REQUEUED))


def _supersede(status: JobStatus, holder: str) -> None:
    status.cancel()
    status.error_message = f"superseded: Redis had lost it, and job {holder} serves its key since"


def _pending_in_redis(r: redis.Redis, job_id: str) -> bool:
    try:
        return Job.fetch(job_id, connection=r).get_status() in PENDING_RQ_STATES
    except Exception:  # noqa: BLE001 - gone, or unreadable: it serves nothing
        return False


# -- jobs that were running when Redis went ------------------------------------------------------------------
def redis_since(r: redis.Redis) -> float:
    """When a reconciler first saw this Redis (epoch seconds): a Redis that came back empty has no mark yet."""
    r.set(SINCE_KEY, time.time(), nx=True)
    value = r.get(SINCE_KEY)
    return float(value) if value else time.time()


def still_running(r: redis.Redis, status: JobStatus, since: float, now: datetime | None = None) -> bool:
    """Whether a processing job that Redis no longer holds may still run somewhere."""
    if r.exists(RUNNING_PREFIX + status.rq_job_id):
        return True  # its worker's heartbeat says so
    host, _, pid = (status.worker or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return process_exists(int(pid))  # a process of this machine: alive or not, we know
    now = now or utcnow()
    if status.started_at and now - status.started_at < STARTED_GRACE:
        return True
    return time.time() - since < SETTLE  # a worker elsewhere marks its job within a heartbeat of Redis's return


def abandon(status: JobStatus, r: redis.Redis, job: Job | None = None,
            expected: JobState = JobState.PROCESSING) -> int:
    """A processing job whose worker died: run again by its kind's policy (catalog.JobKind.abandoned_attempts)
    under its id, from the RQ job when Redis still holds it (`job`), else from the row; or failed when no
    attempt is left or it cannot be rebuilt. `expected` PENDING: a brief kind's run, whose row never recorded
    the start (app/background/tracking.py): the attempts its workers died in are counted now, from RQ's count of
    the retries it made itself (RQ retried an abandoned execution while it had retries left)."""
    spec = get_kind(status.kind)
    attempts = status.attempts
    if expected == JobState.PENDING:
        rq_retried = max(0, spec.retries - (job.retries_left or 0)) if job is not None else 0
        attempts = max(attempts, rq_retried) + 1
    rebuildable = job is not None or status.arguments is not None

    def counted(change):
        def apply(s: JobStatus) -> None:
            s.attempts = attempts
            change(s)
        return apply

    if rebuildable and attempts < max(status.max_attempts, spec.abandoned_attempts):
        if job is not None:
            FailedJobRegistry(job.origin, connection=r).remove(job)
            Queue(job.origin, connection=r).enqueue_job(job)
        else:
            submit(status, arguments.decode(status.arguments), status.max_attempts - attempts - 1)
        return tracking.transition(status, expected, counted(lambda s: s.requeue(f"{ABANDONED}; retrying")))
    gone = "" if job is not None else "; the job is no longer in Redis"
    return tracking.transition(status, expected, counted(lambda s: s.fail(f"{ABANDONED}{gone}")))


def process_exists(pid: int) -> bool:
    """Whether a process of this machine with this pid runs; a zombie (killed, never reaped: its parent died
    with it and nothing adopted it) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True
