"""The one way to enqueue a job: queue, timeout, retry policy, JobStatus tracking and coalescing.

    status = enqueue("dashboard_data", "dashboard:org:42", key="dashboard:org:42", user_id=7, organization_id=42)

With a `key`, a job already pending for that key (queued, scheduled or deferred) is returned instead
of a second one; a job already running does not count, so a change made while it runs gets its own
(second) run. `delay` schedules the job (the dashboards' throttle uses it for a window's trailing run).
`organization_id` names the organization the job works for: its owners and admins see the job on /jobs.
The id of the request that enqueues (app/web/request_id.py) goes with the job: its log lines carry it.
Call it after committing the records the job will read: a fast worker must find them.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import redis
from flask_babel import gettext as _
from rq import Queue, Retry
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.registry import FailedJobRegistry

from app.background import arguments, tracking
from app.background.catalog import PERFORM, get_kind
from app.extensions import db
from app.live import presence
from app.live.publisher import turbo
from app.live.streams import broadcast_stream
from app.live.topics import JobsTopic
from app.models import JobState, JobStatus, utcnow
from app.redis_client import get_redis
from app.web import request_id

log = logging.getLogger(__name__)

PENDING_RQ_STATES = {RQStatus.QUEUED, RQStatus.SCHEDULED, RQStatus.DEFERRED}
COALESCE_PREFIX = "timeboard:coalesce:"


class EnqueueError(RuntimeError):
    """Redis could not take the job; the JobStatus row says so."""


class JobActionError(RuntimeError):
    """A retry or cancel that the job's state does not allow (the view answers 409)."""


class JobQueueUnavailable(JobActionError):
    """Redis is down, so a retry or cancel cannot reach RQ now (the view answers 503)."""

    def __init__(self, action: str, exc: Exception):
        if action == "canceled":
            message = _("The job queue (Redis) is unavailable, so the job cannot be canceled right now. "
                        "Try again in a moment. (%(error)s)", error=exc)
        else:
            message = _("The job queue (Redis) is unavailable, so the job cannot be retried right now. "
                        "Try again in a moment. (%(error)s)", error=exc)
        super().__init__(message)


_queues: dict[tuple[int, str], tuple[redis.Redis, Queue]] = {}


def get_queue(name: str) -> Queue:
    """The process's Queue of this name on the app's Redis client, made once: a Queue asks the server its version
    (INFO) on its first enqueue and keeps it, so a Queue made per enqueue costs a round trip per job."""
    connection = get_redis()
    cached = _queues.get((id(connection), name))
    if cached is None or cached[0] is not connection:
        cached = _queues[id(connection), name] = (connection, Queue(name, connection=connection))
    return cached[1]


def enqueue(kind: str, *args, key: str | None = None, user_id: int | None = None,
            delay: float | None = None, organization_id: int | None = None) -> JobStatus:
    spec = get_kind(kind)  # UnknownJobKind for a bad name, before anything is written
    if key is None:
        return _enqueue_new(spec, args, None, user_id, delay, organization_id)
    r = get_redis()
    try:
        with r.lock(f"{COALESCE_PREFIX}lock:{key}", timeout=10, blocking_timeout=10):
            pending = _pending_for_key(key)
            if pending is not None:
                _record_requester(pending, user_id)
                return pending
            status = _enqueue_new(spec, args, key, user_id, delay, organization_id)
            r.set(COALESCE_PREFIX + key, status.rq_job_id, ex=spec.timeout + 3600)
            return status
    except redis.RedisError as exc:
        raise EnqueueError(f"Redis is unavailable: {exc}") from exc


def enqueue_for(record, kind: str, what: str):
    """Enqueue `kind` for a record that follows its job (a report, an export, an import: it has id, user_id,
    organization_id, rq_job_id and fail()), after the commit that put the record in its state: the record then
    names its job, or fails saying why it could not be queued ("Could not queue <what>: ...")."""
    try:
        status = enqueue(kind, record.id, user_id=record.user_id, organization_id=record.organization_id)
    except EnqueueError as exc:
        record.fail(f"Could not queue {what}: {exc}")
        db.session.commit()
        return record
    record.rq_job_id = status.rq_job_id
    db.session.commit()
    return record


def _pending_for_key(key: str) -> JobStatus | None:
    r = get_redis()
    job_id = r.get(COALESCE_PREFIX + key)
    if not job_id:
        return None
    try:
        job = Job.fetch(job_id.decode(), connection=r)
    except NoSuchJobError:
        return None
    if job.get_status() not in PENDING_RQ_STATES:
        return None
    return db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == job.id))


def _record_requester(status: JobStatus, user_id: int | None) -> None:
    """A coalesced job serves everyone who asked for it: user_id names its requester only while one
    user alone has; once anyone else (another user, or the system) joins, it is None, a shared job
    that /jobs lists for system admins only, not under the first requester's name."""
    if status.user_id is None or status.user_id == user_id:
        return
    former, status.user_id = status.user_id, None
    db.session.commit()
    try:  # the former requester's open /jobs page stops listing it
        broadcast_stream(JobsTopic(former), turbo.remove(f"job-{status.rq_job_id}"))
    except Exception:  # the monitor is a view; never fail an enqueue for it
        log.exception("could not unlist job %s for user %s", status.rq_job_id, former)


def _enqueue_new(spec, args, key, user_id, delay, organization_id=None) -> JobStatus:
    job_id = uuid.uuid4().hex
    origin = request_id.current()
    now = utcnow()
    status = JobStatus(
        rq_job_id=job_id, kind=spec.name, queue=spec.queue, user_id=user_id, coalesce_key=key,
        args_summary=JobStatus.summarize_args(args), arguments=arguments.encode(args), status=JobState.PENDING,
        enqueued_at=now, run_at=now + timedelta(seconds=delay) if delay else None,
        max_attempts=spec.retries + 1, organization_id=organization_id, request_id=origin,
    )
    db.session.add(status)
    tracking.commit_keeping_loaded()  # the row exists before any worker can pick the job up
    try:
        watched = submit(status, args)
    except redis.RedisError as exc:
        status.fail(f"Could not enqueue: {exc}")
        db.session.commit()
        raise EnqueueError(status.error_message) from exc
    log.info("enqueued %s job %s on %s%s", spec.name, job_id, spec.queue, f" in {delay:.1f}s" if delay else "")
    tracking.broadcast_job(status, created=True, watched=watched)
    return status


def submit(status: JobStatus, args, retries: int | None = None) -> set[str] | None:
    """Put the row's job into RQ under the row's id: on its kind's queue, due at the row's run_at (at once when
    that is past), with `retries` left (the kind's policy by default). The first enqueue and the requeue of a
    job that Redis lost (app/background/restore.py) both go through here, so the two never differ.

    A job due now goes in one round trip, which also asks which of the job's monitor topics are watched
    (app/live/presence.py): their names are returned (None for a delayed job, whose monitors are asked later)."""
    spec = get_kind(status.kind)
    left = spec.retries if retries is None else max(0, retries)
    retry = Retry(max=left, interval=spec.retry_intervals[-left:]) if left else None
    options = dict(
        job_id=status.rq_job_id, job_timeout=spec.timeout, retry=retry, result_ttl=3600, failure_ttl=7 * 86400,
        description=f"{spec.func}({status.args_summary})",
        meta={"kind": spec.name, "user_id": status.user_id, "key": status.coalesce_key,
              "organization_id": status.organization_id, "request_id": status.request_id},
    )
    status.queue = spec.queue  # a kind moved to another queue since (send_email, to `mail`) is queued there now
    queue = get_queue(spec.queue)
    wait = (status.run_at - utcnow()).total_seconds() if status.run_at else 0
    if wait > 0:
        queue.enqueue_in(timedelta(seconds=wait), PERFORM, spec.name, *args, **options)
        return None
    with queue.connection.pipeline() as pipe:
        queue.enqueue(PERFORM, spec.name, *args, pipeline=pipe, **options)
        answer = presence.ask(pipe, tracking.topics_for(status))
        return answer(pipe.execute())


def retry(status: JobStatus) -> JobStatus:
    """Run a failed job again: RQ requeues the same job (same id, same JobStatus row)."""
    if status.status != JobState.FAILED:
        raise JobActionError(_("Only a failed job can be retried; this one is %(status)s.", status=status.status))
    r = get_redis()
    try:
        job = Job.fetch(status.rq_job_id, connection=r)
        if job.get_status() != RQStatus.FAILED:
            # failed in our books but not in RQ's (e.g. abandoned, then swept): put it where requeue looks
            FailedJobRegistry(job.origin, connection=r).add(job, ttl=600)
    except NoSuchJobError:
        raise JobActionError(_("This job's data has expired from Redis; it cannot be retried.")) from None
    except redis.RedisError as exc:
        raise JobQueueUnavailable("retried", exc) from exc
    # The row is pending before the job can run: saved after the requeue, it could land after a worker had already
    # taken and finished the job, and turn its "completed" back into a "pending" that nothing would ever end.
    before = (status.status, status.run_at, status.started_at, status.finished_at, status.duration_ms, status.progress,
              status.error_message)
    status.requeue(note=f"Retried by hand after: {status.error_message or 'failure'}")
    tracking.save(status)
    try:
        job.requeue()
    except (InvalidJobOperation, redis.RedisError) as exc:
        (status.status, status.run_at, status.started_at, status.finished_at, status.duration_ms, status.progress,
         status.error_message) = before
        tracking.save(status)
        if isinstance(exc, redis.RedisError):
            raise JobQueueUnavailable("retried", exc) from exc
        raise JobActionError(_("RQ no longer holds this job as failed; it cannot be retried.")) from None
    return status


def cancel(status: JobStatus) -> JobStatus:
    """Cancel a job that has not started yet; a running or finished job cannot be canceled. The kind's follower
    (catalog) brings the job's record along, as when the reconciler changes a job."""
    if status.status != JobState.PENDING:
        raise JobActionError(_("Only a pending job can be canceled; this one is %(status)s.", status=status.status))
    r = get_redis()
    try:
        job = Job.fetch(status.rq_job_id, connection=r)
        rq_status = job.get_status()
        if rq_status == RQStatus.STARTED:
            raise JobActionError(_("This job has just started; it can no longer be canceled."))
        if rq_status == RQStatus.FINISHED:  # a brief run whose end its worker still holds (background/completions.py)
            raise JobActionError(_("Only a pending job can be canceled; this one is %(status)s.",
                                   status=JobState.COMPLETED))
        if rq_status in PENDING_RQ_STATES:
            job.cancel()
    except NoSuchJobError:
        pass  # nothing left in Redis to stop; the record still says canceled
    except InvalidJobOperation:
        pass  # already canceled in RQ
    except redis.RedisError as exc:
        raise JobQueueUnavailable("canceled", exc) from exc
    status.cancel()
    tracking.save(status)
    tracking.follow(status)  # the record it works on (a report, an import, an export) ends with it, on its page too
    return status
