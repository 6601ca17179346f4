"""Bring JobStatus in line with RQ after a worker died (SIGKILL, OOM, a lost machine).

A killed work-horse leaves its execution in the queue's StartedJobRegistry and its JobStatus at
"processing". RQ refreshes each live execution's registry score to now + (job_monitoring_interval + 60)
on every heartbeat (rq 3.0, Worker.get_heartbeat_ttl / maintain_heartbeats; our workers use an
interval of 5 s, so a live entry always expires >= 60 s ahead). Cleaning the registry as if it were
now + LOOKAHEAD therefore catches exactly the executions without a heartbeat for
(60 - LOOKAHEAD) s or more, and RQ itself then retries them (retries left) or fails them
(AbandonedJobError). Then each JobStatus still at "processing" takes the RQ job's real state, and so
does each brief kind's row still at "pending" whose job RQ has ended (its start is never written:
sync_brief_runs).

An execution whose worker ran on this machine and whose process is gone (SIGKILL, OOM) is abandoned at
once, without waiting for its heartbeat to go stale: a worker starting up (`flask jobs worker`) and
the scheduler process reconcile, so a dead worker's job never waits for a worker on the maintenance
queue.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from redis.exceptions import LockError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from rq.utils import current_timestamp
from sqlalchemy import select

from app.background import restore
from app.background.catalog import KINDS, QUEUES
from app.background.restore import ABANDONED, process_exists
from app.background.tracking import transition
from app.extensions import db
from app.models import JobState, JobStatus, utcnow
from app.redis_client import get_redis

log = logging.getLogger(__name__)

RECONCILE_LOCK = "timeboard:reconcile:lock"
LOOKAHEAD = 35  # seconds: an execution silent for ~25-30 s is abandoned (heartbeats come every 5 s)
OVERDUE = 5  # seconds past due: no live RQ scheduler is moving this queue's scheduled jobs


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
                or namespace.decode() != pid_namespace() or process_exists(int(pid))):
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
    return not process_exists(pid)


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
    since = restore.redis_since(r)
    synced = 0
    stuck = db.session.scalars(select(JobStatus).where(JobStatus.status == JobState.PROCESSING)).all()
    for status in stuck:
        try:
            job = Job.fetch(status.rq_job_id, connection=r)
            rq_status = job.get_status()
        except NoSuchJobError:
            job = rq_status = None
        if rq_status == RQStatus.STARTED:
            continue  # really running (or not yet seen as abandoned)
        if rq_status is None:  # Redis lost it while it ran (restarted empty)
            if not restore.still_running(r, status, since):
                synced += restore.abandon(status, r)
            continue
        synced += _apply(status, job, rq_status, r)
    synced += sync_brief_runs(r)
    requeued = restore.requeue_lost(r)
    if swept or released or synced or requeued:
        log.info("reconciled: %s abandoned executions swept, %s overdue retries enqueued, %s statuses synced, "
                 "%s lost jobs queued again", swept, released, synced, requeued)
    return (f"abandoned executions swept: {swept}; overdue retries enqueued: {released}; statuses synced: {synced}; "
            f"lost jobs queued again: {requeued}")


BRIEF_KINDS = [kind.name for kind in KINDS.values() if kind.brief]
ENDED = {RQStatus.FINISHED.value, RQStatus.FAILED.value, RQStatus.STOPPED.value}


def sync_brief_runs(r) -> int:
    """A brief kind's row says pending while its job runs (app/background/tracking.py, BriefRun): one that RQ holds
    as finished or failed ended without its row's UPDATE, its worker dead (after RQ retried it, if it could). The
    row takes RQ's word: completed with RQ's times and result, or abandoned (run again by the kind's policy, or failed),
    its attempt counted either way."""
    rows = db.session.execute(select(JobStatus.id, JobStatus.rq_job_id).where(
        JobStatus.status == JobState.PENDING, JobStatus.kind.in_(BRIEF_KINDS),
        JobStatus.enqueued_at < utcnow() - restore.GRACE)).all()
    if not rows:
        return 0
    with r.pipeline(transaction=False) as pipe:
        for _, rq_job_id in rows:
            pipe.hget(Job.key_for(rq_job_id), "status")
        states = pipe.execute()
    synced = 0
    for (row_id, rq_job_id), state in zip(rows, states, strict=True):
        if state is None or state.decode() not in ENDED:
            continue  # queued, scheduled or running; one Redis lost is restore.requeue_lost()'s
        status = db.session.get(JobStatus, row_id)
        try:
            job = Job.fetch(rq_job_id, connection=r)
        except NoSuchJobError:
            continue
        if status is None or status.status != JobState.PENDING:
            continue
        if job.get_status(refresh=False) == RQStatus.FINISHED:  # as fetched just now: no second read
            synced += transition(status, JobState.PENDING, lambda s, job=job: s.complete_as_recorded(
                _utc(job.started_at), _utc(job.ended_at), job.worker_name, _summary(job)))
        else:
            synced += restore.abandon(status, r, job, expected=JobState.PENDING)
    return synced


def _utc(moment: datetime | None) -> datetime | None:
    """RQ's moments as our columns keep them: naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment and moment.tzinfo else moment


def _summary(job: Job) -> str | None:
    """The job's result as the runner would have summarized it; None when RQ no longer has it."""
    try:
        value = job.return_value()
    except Exception:  # noqa: BLE001 - an unreadable result: the row completes without its summary
        return None
    return None if value is None else str(value)


def _apply(status: JobStatus, job: Job, rq_status, r) -> int:
    if rq_status in (RQStatus.QUEUED, RQStatus.SCHEDULED, RQStatus.DEFERRED):
        return transition(status, JobState.PROCESSING, lambda s: s.requeue(f"{ABANDONED}; retrying"))
    if rq_status == RQStatus.FINISHED:
        return transition(status, JobState.PROCESSING, JobStatus.complete)
    if rq_status == RQStatus.CANCELED:
        return transition(status, JobState.PROCESSING, JobStatus.cancel)
    # failed or stopped in RQ while our row says it runs: its worker died (RQ failed the abandoned execution
    # when its own retries were spent); the kind's policy may still run it again
    return restore.abandon(status, r, job)
