"""Job and queue health over the last interval, stored as a PerformanceSnapshot for the system dashboard."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from rq import Worker
from sqlalchemy import select

from app.background.health import queue_health
from app.extensions import db
from app.models import JobState, JobStatus, PerformanceSnapshot, utcnow
from app.redis_client import get_redis


def percentile(values: list[int], pct: float) -> int | None:
    """Nearest-rank percentile (p50 of [1, 2, 3, 4] is 2): no interpolation, a real observed duration."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def kind_figures(since, until) -> dict[str, dict]:
    """Per job kind, for jobs that finished (completed or failed) in [since, until)."""
    rows = db.session.execute(
        select(JobStatus.kind, JobStatus.status, JobStatus.duration_ms)
        .where(JobStatus.finished_at >= since, JobStatus.finished_at < until,
               JobStatus.status.in_([JobState.COMPLETED, JobState.FAILED]))
    ).all()
    durations: dict[str, list[int]] = defaultdict(list)
    figures: dict[str, dict] = defaultdict(lambda: {"count": 0, "failures": 0})
    for kind, status, duration in rows:
        figures[kind]["count"] += 1
        if status == JobState.FAILED:
            figures[kind]["failures"] += 1
        if duration is not None:
            durations[kind].append(duration)
    for kind, data in figures.items():
        data["p50_ms"] = percentile(durations[kind], 50)
        data["p95_ms"] = percentile(durations[kind], 95)
    return dict(figures)


def take_snapshot(interval_seconds: int = 60) -> PerformanceSnapshot:
    now = utcnow()
    data = {
        "kinds": kind_figures(now - timedelta(seconds=interval_seconds), now),
        "queues": queue_health(now),
        "workers": Worker.count(connection=get_redis()),
    }
    snapshot = PerformanceSnapshot(taken_at=now, interval_seconds=interval_seconds, data=data)
    db.session.add(snapshot)
    db.session.commit()
    return snapshot
