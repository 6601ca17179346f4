"""Bring JobStatus in line with RQ after a worker died (SIGKILL, OOM, a lost machine).

A killed work-horse leaves its execution in the queue's StartedJobRegistry and its JobStatus at
"processing". RQ refreshes each live execution's registry score to now + (job_monitoring_interval + 60)
on every heartbeat (rq 3.0, Worker.get_heartbeat_ttl / maintain_heartbeats; our workers use an
interval of 5 s, so a live entry always expires >= 60 s ahead). Cleaning the registry as if it were
now + LOOKAHEAD therefore catches exactly the executions without a heartbeat for
(60 - LOOKAHEAD) s or more, and RQ itself then retries them (retries left) or fails them
(AbandonedJobError). Then each JobStatus still at "processing" takes the RQ job's real state.

An execution whose worker ran on this machine and whose process is gone (SIGKILL, OOM) is abandoned at
once, without waiting for its heartbeat to go stale: a worker starting up (`flask jobs worker`) and
the scheduler process reconcile, so a dead worker's job never waits for a worker on the maintenance
queue.
"""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from redis.exceptions import LockError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from rq.utils import current_timestamp
from sqlalchemy import inspect, select, update

from app.background import tracking
from app.background.catalog import QUEUES
from app.extensions import db
from app.models import JobState, JobStatus, utcnow
from app.redis_client import get_redis

log = logging.getLogger(__name__)

RECONCILE_LOCK = "timeboard:reconcile:lock"
LOOKAHEAD = 35  # seconds: an execution silent for ~25-30 s is abandoned (heartbeats come every 5 s)
ABANDONED = "worker died (abandoned)"
OVERDUE = 5  # seconds past due: no live RQ scheduler is moving this queue's scheduled jobs
LOST_AFTER = timedelta(minutes=10)  # a JobStatus whose RQ job vanished (Redis flushed) is failed after this


def sweep_abandoned(lookahead: int = LOOKAHEAD) -> int:
    """Let RQ retry or fail executions whose worker stopped heartbeating or is a dead process on this
    machine; returns how many it handled."""
    r = get_redis()
    handled = 0
    for name in QUEUES:
        registry = StartedJobRegistry(name, connection=r)
        _expire_executions_of_dead_local_workers(registry)
        expired = registry.get_expired_job_ids(current_timestamp() + lookahead)
        if expired:
            registry.cleanup(timestamp=current_timestamp() + lookahead)
            handled += len(expired)
    return handled


def _expire_executions_of_dead_local_workers(registry: StartedJobRegistry) -> None:
    """Give score 0 (expired) to each execution whose worker's process on this host no longer exists."""
    r = registry.connection
    host = socket.gethostname()
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        try:
            worker_name = Execution.fetch(execution_id, job_id, connection=r).worker_name
        except ValueError:  # the execution's hash expired: its heartbeat is stale anyway
            continue
        hostname, pid, namespace = r.hmget(Worker.redis_worker_namespace_prefix + worker_name,
                                           "hostname", "pid", PID_NAMESPACE_FIELD)
        # Same host name is not enough: a container with host networking shares it but numbers its
        # processes apart. Only a worker that recorded our pid namespace can be looked up by pid here.
        if (hostname is None or pid is None or hostname.decode() != host or namespace is None
                or namespace.decode() != pid_namespace() or _process_exists(int(pid))):
            continue
        log.warning("job %s: its worker %s (pid %s) is gone", job_id, worker_name, int(pid))
        r.zadd(registry.key, {f"{job_id}:{execution_id}": 0}, xx=True)


PID_NAMESPACE_FIELD = "pid_namespace"  # our workers add it to RQ's worker hash (app/background/worker.py)


def pid_namespace() -> str:
    """This process's pid namespace ("pid:[4026531836]"), or "" where /proc does not tell."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def local_process_gone(hostname: str | None, pid: int | None, namespace: str | None) -> bool:
    """A worker that recorded this host and our pid namespace, and whose process no longer exists here."""
    if hostname != socket.gethostname() or pid is None or namespace is None or namespace != pid_namespace():
        return False
    return not _process_exists(pid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def release_overdue_scheduled(overdue: int = OVERDUE) -> int:
    """Enqueue retries and delayed jobs that no RQ scheduler moved in time.

    Each worker's RQ scheduler holds a per-queue lock for 61 s and a worker retries taking it only
    every 10 minutes, so after a SIGKILL the retry that RQ scheduled for an abandoned job could wait
    that long. A live scheduler moves due jobs within a second; a job overdue by `overdue` seconds
    has none. ZREM claims each job, so a scheduler waking up at the same moment cannot double it.
    """
    r = get_redis()
    moved = 0
    for name in QUEUES:
        registry = ScheduledJobRegistry(name, connection=r)
        for job_id in registry.get_jobs_to_schedule(int(current_timestamp()) - overdue):
            if not r.zrem(registry.key, job_id):
                continue  # a scheduler took it
            try:
                job = Job.fetch(job_id, connection=r)
            except NoSuchJobError:
                continue
            Queue(name, connection=r).enqueue_job(job)
            moved += 1
    return moved


def reconcile(lookahead: int = LOOKAHEAD) -> str:
    """Sweep, release and sync, by one process at a time: a worker starting and the scheduler's own
    loop may both call it, and two concurrent sweeps could each retry the same abandoned job."""
    lock = get_redis().lock(RECONCILE_LOCK, timeout=120, blocking_timeout=0)
    if not lock.acquire():
        return "skipped: another process is reconciling"
    try:
        return _reconcile(lookahead)
    finally:
        try:
            lock.release()
        except LockError:  # held past its timeout; whoever holds it now finishes
            pass


def _reconcile(lookahead: int) -> str:
    swept = sweep_abandoned(lookahead)
    released = release_overdue_scheduled()
    r = get_redis()
    now = utcnow()
    synced = 0
    stuck = db.session.scalars(select(JobStatus).where(JobStatus.status == JobState.PROCESSING)).all()
    for status in stuck:
        try:
            rq_status = Job.fetch(status.rq_job_id, connection=r).get_status()
        except NoSuchJobError:
            rq_status = None
        if rq_status == RQStatus.STARTED:
            continue  # really running (or not yet seen as abandoned)
        if rq_status is None and status.started_at and now - status.started_at < timedelta(minutes=1):
            continue
        synced += _apply(status, rq_status)
    lost = db.session.scalars(select(JobStatus).where(
        JobStatus.status == JobState.PENDING, JobStatus.enqueued_at < now - LOST_AFTER)).all()
    for status in lost:
        try:
            Job.fetch(status.rq_job_id, connection=r)
        except NoSuchJobError:
            synced += _transition(status, JobState.PENDING, lambda s: s.fail("lost: the job is no longer in Redis"))
    return f"abandoned executions swept: {swept}; overdue retries enqueued: {released}; statuses synced: {synced}"


def _apply(status: JobStatus, rq_status) -> int:
    if rq_status in (RQStatus.QUEUED, RQStatus.SCHEDULED, RQStatus.DEFERRED):
        return _transition(status, JobState.PROCESSING, lambda s: s.requeue(f"{ABANDONED}; retrying"))
    if rq_status == RQStatus.FINISHED:
        return _transition(status, JobState.PROCESSING, JobStatus.complete)
    if rq_status == RQStatus.CANCELED:
        return _transition(status, JobState.PROCESSING, JobStatus.cancel)
    if rq_status is None:
        return _transition(status, JobState.PROCESSING, lambda s: s.fail(f"{ABANDONED}; the job is no longer in Redis"))
    return _transition(status, JobState.PROCESSING, lambda s: s.fail(ABANDONED))  # failed, stopped


def _transition(status: JobStatus, expected: JobState, change: Callable[[JobStatus], None]) -> int:
    """Apply a JobStatus state change (one of its methods) as a compare-and-set on `expected` and the
    attempt count, so a worker that picks the job up meanwhile is never overwritten."""
    status_id, attempts = status.id, status.attempts
    change(status)
    values = {attr.key: attr.value for attr in inspect(status).attrs if attr.history.added}
    db.session.expire(status)  # the change goes through the guarded UPDATE below, not a plain flush
    result = db.session.execute(
        update(JobStatus)
        .where(JobStatus.id == status_id, JobStatus.status == expected, JobStatus.attempts == attempts)
        .values(**values).execution_options(synchronize_session=False)
    )
    db.session.commit()
    if not result.rowcount:
        return 0
    message = values.get("error_message")
    log.warning("job %s (%s): %s -> %s%s", status.rq_job_id, status.kind, expected, values["status"],
                f" ({message})" if message else "")
    tracking.broadcast_job(status)
    return 1
