"""The platform dashboard for system admins: growth, running timers and job health (UTC)."""
from __future__ import annotations

from datetime import timedelta

import redis
from rq import Queue, Worker
from sqlalchemy import case, desc, func, select

from app.background.catalog import KINDS, QUEUES
from app.dashboards import charts
from app.dashboards.charts import N_
from app.extensions import db
from app.models import JobState, JobStatus, Organization, PerformanceSnapshot, Project, ProjectTotal, TimeLog, User
from app.redis_client import get_redis


def _count_and_new(model, since) -> tuple[int, int]:
    total, new = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((model.created_at >= since, 1), else_=0)), 0))
        .select_from(model)
    ).one()
    return int(total or 0), int(new or 0)


def _logs_and_new(since) -> tuple[int, int]:
    """Time logs: the total from project_totals (kept by the database on write; counting a table that only
    grows takes longer every day), the last 24 hours' through the index on created_at."""
    total = db.session.scalar(select(func.coalesce(func.sum(ProjectTotal.logs), 0)))
    new = db.session.scalar(select(func.count()).select_from(TimeLog).where(TimeLog.created_at >= since))
    return int(total or 0), int(new or 0)


def summary(ctx) -> dict:
    """Organizations, users, projects and time logs with what the last 24 hours added; running timers."""
    since = ctx.periods.now - timedelta(days=1)
    counts = {name: _count_and_new(model, since) for name, model in
              (("organizations", Organization), ("users", User), ("projects", Project))}
    counts["time_logs"] = _logs_and_new(since)
    running = db.session.scalar(select(func.count()).select_from(TimeLog).where(TimeLog.end_time.is_(None)))
    return {"counts": {k: {"total": t, "new": n} for k, (t, n) in counts.items()}, "running": running or 0}


def growth(ctx) -> dict:
    """New time logs and new users per day over the last 14 days (one query each)."""
    p = ctx.periods

    def per_day(model) -> list[float]:
        """One COUNT per day, each a range of the index on created_at (one round trip): a CASE per day over
        the whole fortnight's rows cost 14 comparisons a row."""
        cols = [select(func.count()).select_from(model).where(model.created_at >= lo, model.created_at < hi)
                .scalar_subquery() for lo, hi in p.day_bounds()]
        return [float(v or 0) for v in db.session.execute(select(*cols)).one()]

    return {
        "logs": charts.columns(N_("New time logs per day"), list(zip(p.day_labels, per_day(TimeLog), strict=True)),
                               days=p.days,
                               unit="count"),
        "users": charts.columns(N_("New users per day"), list(zip(p.day_labels, per_day(User), strict=True)),
                                days=p.days,
                                unit="count"),
    }


def jobs(ctx) -> dict:
    """Per queue: depth now, jobs and failures in the last 24 hours, p95 duration from the latest snapshot.

    With Redis down, what the database knows is still shown; the live figures (depth, workers) are None
    and `live_unavailable` says so."""
    since = ctx.periods.now - timedelta(days=1)
    rows = db.session.execute(
        select(JobStatus.queue, func.count(),
               func.coalesce(func.sum(case((JobStatus.status == JobState.FAILED, 1), else_=0)), 0))
        .where(JobStatus.enqueued_at >= since).group_by(JobStatus.queue)
    ).all()
    per_queue = {r[0]: (int(r[1]), int(r[2])) for r in rows}
    snapshot = db.session.scalar(select(PerformanceSnapshot).order_by(desc(PerformanceSnapshot.taken_at)).limit(1))
    kinds = (snapshot.data or {}).get("kinds", {}) if snapshot else {}
    depths, workers = _live_figures()
    queues = []
    for name in QUEUES:
        p95s = [f.get("p95_ms") for k, f in kinds.items() if k in KINDS and KINDS[k].queue == name and f.get("p95_ms")]
        jobs_24h, failed = per_queue.get(name, (0, 0))
        queues.append({"name": name, "depth": depths.get(name), "jobs": jobs_24h, "failed": failed,
                       "p95_ms": max(p95s) if p95s else None})
    return {"queues": queues, "workers": workers, "live_unavailable": workers is None,
            "snapshot_at": snapshot.taken_at.strftime("%H:%M:%S UTC") if snapshot else None}


def _live_figures() -> tuple[dict[str, int], int | None]:
    """Queue depths and the worker count, from Redis; ({}, None) while Redis is down."""
    r = get_redis()
    try:
        return {name: Queue(name, connection=r).count for name in QUEUES}, Worker.count(connection=r)
    except redis.RedisError:
        return {}, None
