"""The job engine's health, read from Redis: each queue's depth and the age of its oldest waiting job. The job
monitor, /metrics, operator alerts and performance snapshots read it. Raises redis.RedisError when Redis is down."""
from __future__ import annotations

from datetime import datetime

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.background.catalog import QUEUES
from app.models import utcnow
from app.redis_client import get_redis


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
