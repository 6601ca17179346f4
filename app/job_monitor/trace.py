"""One job's trace as a waterfall: the request that enqueued it (its request id), the wait, the run, and each stream
it published with the moment a gateway wrote it to its last socket (app/live/trace.py records those)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from flask_babel import gettext as _

from app.live import trace
from app.models import JobStatus
from app.redis_client import get_redis

log = logging.getLogger(__name__)

WIDTH = 420  # px of the time axis in the drawing


@dataclass(frozen=True)
class Bar:
    label: str
    start_ms: float  # from the enqueue
    end_ms: float | None  # None: a point (or not delivered)
    kind: str  # wait | run | publish
    note: str = ""


@dataclass(frozen=True)
class Waterfall:
    bars: list[Bar]
    total_ms: float

    def x(self, ms: float) -> float:
        return round(WIDTH * ms / self.total_ms, 1) if self.total_ms else 0.0


def _epoch(value: datetime) -> float:
    return value.replace(tzinfo=UTC).timestamp()


def waterfall(job: JobStatus) -> Waterfall | None:
    """None before the job started."""
    if job.started_at is None:
        return None
    origin = _epoch(job.enqueued_at)
    started = (_epoch(job.started_at) - origin) * 1000
    finished = (_epoch(job.finished_at) - origin) * 1000 if job.finished_at else None
    queued = _("queued by request %(request)s", request=job.request_id) if job.request_id else _("queued")
    bars = [Bar(queued, 0.0, started, "wait"), Bar(_("ran"), started, finished, "run")]
    try:
        publishes = trace.read(get_redis(), job.rq_job_id)
    except redis.RedisError as exc:
        log.warning("job trace unavailable: %s", exc)
        publishes = []
    for item in publishes:
        at = (item.at - origin) * 1000
        delivered = None if item.delivered is None else (item.delivered - origin) * 1000
        note = (_("delivered to the last socket after %(ms)s ms", ms=format(delivered - at, ".0f"))
                if delivered is not None else _("no socket was watching"))
        bars.append(Bar(_("stream %(topics)s", topics=", ".join(item.topics)), at, delivered, "publish", note))
    ends = [b.end_ms if b.end_ms is not None else b.start_ms for b in bars]
    return Waterfall(bars, max([1.0, *ends]))
