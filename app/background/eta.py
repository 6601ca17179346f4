"""Time to start, for the person waiting for a queued job: "starts in about 2 min, 14 ahead", from the job's place in
its RQ queue and the queue's recent throughput (jobs of that queue finished over the last WINDOW). Shown on the
job's row and page (app/job_monitor) and on the page of the report it makes (app/reports), and worked out again
each time those are rendered: when the job's status streams, when the open job monitor refreshes because a job it
lists changed, and every few seconds while it waits (templates/job_monitor/_eta.html: the jobs ahead are other
people's, whose changes never stream to this page). Figures are memoised per request."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import redis
from flask import has_request_context, request
from flask_babel import gettext as _
from rq import Queue
from sqlalchemy import func, select

from app.background import pause
from app.extensions import db
from app.formats import number
from app.models import JobState, JobStatus, utcnow
from app.redis_client import get_redis

WINDOW = timedelta(minutes=10)
REREAD_SECONDS = 10  # how often a page showing a job's time to start reads it again (templates/job_monitor/_eta.html)


@dataclass
class Eta:
    ahead: int
    seconds: float | None  # None: nothing finished on the queue lately, so no pace to go by
    paused: bool = False  # its queue is paused (app/background/pause.py): no worker takes it until it is resumed

    def __str__(self) -> str:
        ahead = number(self.ahead, digits=0)
        if self.paused:
            return _("its queue is paused, %(ahead)s ahead", ahead=ahead) if self.ahead else \
                _("next in line, its queue is paused")
        if self.ahead == 0:
            return _("next in line")
        if self.seconds is None:
            return _("%(ahead)s ahead", ahead=ahead)
        if self.seconds < 60:
            return _("starts in under a minute, %(ahead)s ahead", ahead=ahead)
        minutes = round(self.seconds / 60)
        if minutes < 90:
            return _("starts in about %(minutes)s min, %(ahead)s ahead", minutes=minutes, ahead=ahead)
        return _("starts in about %(hours)s h, %(ahead)s ahead", hours=round(self.seconds / 3600), ahead=ahead)


def estimate(job: JobStatus) -> Eta | None:
    """For a job waiting in its queue; None for any other (running, finished, delayed) or while Redis is down."""
    if job.status != JobState.PENDING:
        return None
    try:
        position = Queue(job.queue, connection=get_redis()).get_job_position(job.rq_job_id)
        memo = _memo()
        if "paused" not in memo:  # one read for a list of queued jobs, not one a row
            memo["paused"] = pause.paused()
        stopped = job.queue in memo["paused"]
    except redis.RedisError:
        return None
    if position is None:  # not in the queue: delayed, or a retry waiting out its interval
        return None
    rate = per_second(job.queue)
    return Eta(position, position / rate if rate else None, paused=stopped)


def per_second(queue: str) -> float:
    """Jobs of the queue finished per second over the last WINDOW."""
    rates = _memo().setdefault("rates", {})
    if queue not in rates:
        finished = db.session.scalar(select(func.count()).select_from(JobStatus).where(
            JobStatus.queue == queue, JobStatus.finished_at >= utcnow() - WINDOW,
            JobStatus.status.in_([JobState.COMPLETED, JobState.FAILED])))
        rates[queue] = finished / WINDOW.total_seconds()
    return rates[queue]


def _memo() -> dict:
    """What this request has read already (the queues' pace, the paused set), kept on the request itself: an app
    context, and its g, may outlive many requests (a worker's lives for days)."""
    return request.environ.setdefault("timeboard.job_eta", {}) if has_request_context() else {}


def words(job: JobStatus) -> str | None:
    found = estimate(job)
    return str(found) if found is not None else None
