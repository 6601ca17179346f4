"""Queries behind the job monitor (/jobs): who sees which jobs, counts, queue health, throughput."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import Select, func, select

from app.background.catalog import KINDS, QUEUES
from app.extensions import db
from app.form_filters import parse_id
from app.models import JobState, JobStatus, User, utcnow
from app.redis_client import get_redis
from app.topics import JobsTopic, jobs_topics_for_viewer

STATUSES = [str(s) for s in JobState]


def job_scope(user: User) -> Select:
    """System admins see every job; everyone else the jobs that serve them."""
    query = select(JobStatus)
    return query if user.is_system_admin else query.where(JobStatus.user_id == user.id)


def topics(user: User) -> list[JobsTopic]:
    return jobs_topics_for_viewer(user)


def find_job(identifier: str) -> JobStatus | None:
    """By RQ job id, or by JobStatus id when the identifier is a number."""
    status = db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == identifier))
    if status is None and parse_id(identifier) is not None:
        status = db.session.get(JobStatus, parse_id(identifier))
    return status


def find_visible(user: User, identifier: str) -> JobStatus | None:
    status = find_job(identifier)
    if status is None or not (user.is_system_admin or status.user_id == user.id):
        return None  # another user's job is as unknown as a missing one
    return status


@dataclass
class Filters:
    status: str | None = None
    queue: str | None = None
    kind: str | None = None

    @classmethod
    def parse(cls, args) -> tuple[Filters, list[str]]:
        """Filters from query args, and an error message per unknown value."""
        errors = []
        values = {}
        for name, allowed in (("status", STATUSES), ("queue", QUEUES), ("kind", sorted(KINDS))):
            value = (args.get(name) or "").strip()
            if not value:
                continue
            if value not in allowed:
                errors.append(f"Unknown {name} {value[:40]!r}; choose one of: {', '.join(allowed)}.")
            else:
                values[name] = value
        return cls(**values), errors

    def apply(self, query: Select) -> Select:
        if self.status:
            query = query.where(JobStatus.status == self.status)
        if self.queue:
            query = query.where(JobStatus.queue == self.queue)
        if self.kind:
            query = query.where(JobStatus.kind == self.kind)
        return query

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    @property
    def any(self) -> bool:
        return bool(self.as_args())


def listing(user: User, filters: Filters, page: int, per_page: int = 25):
    query = filters.apply(job_scope(user)).order_by(JobStatus.enqueued_at.desc(), JobStatus.id.desc())
    return db.paginate(query, page=max(1, page), per_page=per_page, error_out=False)


def status_counts(user: User) -> dict[str, int]:
    scoped = job_scope(user).subquery()
    rows = db.session.execute(select(scoped.c.status, func.count()).group_by(scoped.c.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in rows})
    return counts


def queue_health(now: datetime | None = None) -> dict[str, dict]:
    """Depth and the age in seconds of the oldest job waiting, per queue (RQ pops from the left).

    System-wide: it says how busy the platform is, nothing private. Performance snapshots store it too."""
    r = get_redis()
    now = now or utcnow()
    figures = {}
    for name in QUEUES:
        queue = Queue(name, connection=r)
        oldest_age = None
        for job_id in queue.get_job_ids(0, 1):
            try:
                enqueued = Job.fetch(job_id, connection=r).enqueued_at
            except NoSuchJobError:
                continue
            if enqueued is not None:
                oldest_age = max(0, int((now - enqueued.replace(tzinfo=None)).total_seconds()))
        figures[name] = {"depth": queue.count, "oldest_age_s": oldest_age}
    return figures


@dataclass
class MinuteBucket:
    start: datetime
    completed: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.completed + self.failed


def throughput(user: User, minutes: int = 60, now: datetime | None = None) -> list[MinuteBucket]:
    """Jobs finished per minute over the last hour, oldest first (bucketed in Python: portable SQL)."""
    now = (now or utcnow()).replace(second=0, microsecond=0) + timedelta(minutes=1)
    since = now - timedelta(minutes=minutes)
    buckets = [MinuteBucket(since + timedelta(minutes=i)) for i in range(minutes)]
    scoped = job_scope(user).subquery()
    rows = db.session.execute(
        select(scoped.c.finished_at, scoped.c.status)
        .where(scoped.c.finished_at >= since, scoped.c.finished_at < now,
               scoped.c.status.in_([JobState.COMPLETED, JobState.FAILED]))
    ).all()
    for finished_at, status in rows:
        index = int((finished_at - since).total_seconds() // 60)
        if 0 <= index < minutes:
            if status == JobState.FAILED:
                buckets[index].failed += 1
            else:
                buckets[index].completed += 1
    return buckets
