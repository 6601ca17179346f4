"""SQL building blocks shared by the dashboards: summed minutes per window, running timers, recent activity.

Finished logs are summed in SQL (CASE per window, so one query answers many windows); running
timers have no duration yet, so they are fetched in one query (at most one per user) and their
elapsed time is added in Python. Every helper is one query, whatever the number of logs.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select

from app.dashboards.periods import Periods
from app.extensions import db
from app.models import Project, TimeLog, User

FINISHED = TimeLog.end_time.is_not(None)


def summed(condition) -> object:
    """SUM(duration_minutes) of finished logs matching `condition` (0 when none)."""
    return func.coalesce(func.sum(case((condition, TimeLog.duration_minutes), else_=0)), 0)


def in_window(lo: datetime, hi: datetime | None = None):
    return and_(TimeLog.start_time >= lo, TimeLog.start_time < hi) if hi else TimeLog.start_time >= lo


def daily_minutes(scope, p: Periods) -> list[float]:
    """Minutes per day of p's 14 days for finished logs matching `scope`: one query, one column a day."""
    cols = [summed(in_window(lo, hi)).label(f"d{i}") for i, (lo, hi) in enumerate(p.day_bounds())]
    row = db.session.execute(select(*cols).where(scope, FINISHED, TimeLog.start_time >= p.day_starts[0])).one()
    return [float(v or 0) for v in row]


def running(scope) -> list[dict]:
    """Running timers matching `scope`, with their user and project (one query).

    Sorted here, not in SQL: an ORDER BY start_time makes SQLite's planner (without statistics) walk the
    organization's whole history in the (organization_id, start_time) index to skip a sort, instead of the
    partial index on open logs, which holds a handful of rows."""
    rows = db.session.execute(
        select(TimeLog.id, TimeLog.user_id, User.name, TimeLog.project_id, Project.name, Project.team_id,
               Project.client_id, TimeLog.start_time, TimeLog.billable)
        .join(User, User.id == TimeLog.user_id).join(Project, Project.id == TimeLog.project_id)
        .where(scope, TimeLog.end_time.is_(None))
    ).all()
    rows = sorted(rows, key=lambda r: (r[7], r[0]))
    return [
        {"id": r[0], "user_id": r[1], "user": r[2], "project_id": r[3], "project": r[4], "team_id": r[5],
         "client_id": r[6], "start": r[7], "billable": bool(r[8])}
        for r in rows
    ]


def elapsed_minutes(timer: dict, now: datetime) -> float:
    return max(0.0, (now - timer["start"]).total_seconds() / 60)


def running_minutes(timers: list[dict], now: datetime, since: datetime) -> float:
    """Elapsed minutes of the running timers started at or after `since`: what SQL's sum of finished
    logs over a window lacks."""
    return sum(elapsed_minutes(t, now) for t in timers if t["start"] >= since)


def add_running(totals: dict, timers: list[dict], now: datetime, since: datetime | None, by: str,
                names: dict | None = None, label: str | None = None) -> dict:
    """Add each running timer (started at or after `since`; any when None) to totals[timer[by]], and
    its `label` field to `names` for a group SQL did not return. Returns totals."""
    for t in timers:
        if since is None or t["start"] >= since:
            totals[t[by]] = totals.get(t[by], 0) + elapsed_minutes(t, now)
            if names is not None and label:
                names.setdefault(t[by], t[label])
    return totals


def recent_activity(scope, p: Periods, limit: int = 8) -> list[dict]:
    """The latest logs matching `scope`, newest first, with who and what (one query)."""
    rows = db.session.execute(
        select(TimeLog.id, User.name, Project.name, TimeLog.start_time, TimeLog.end_time, TimeLog.duration_minutes,
               TimeLog.description)
        .join(User, User.id == TimeLog.user_id).join(Project, Project.id == TimeLog.project_id)
        .where(scope).order_by(TimeLog.start_time.desc(), TimeLog.id.desc()).limit(limit)
    ).all()
    return [
        {"id": r[0], "user": r[1], "project": r[2], "when": p.local(r[3], "%d %b %H:%M"), "at": p.local_iso(r[3]),
         "running": r[4] is None,
         "minutes": elapsed_minutes({"start": r[3]}, p.now) if r[4] is None else (r[5] or 0),
         "description": (r[6] or "")[:80]}
        for r in rows
    ]


def top(items: dict, names: dict, limit: int = 8) -> list[tuple[str, float]]:
    """Sorted (name, minutes) pairs, biggest first, without zero rows."""
    pairs = [(names.get(k, "—"), v) for k, v in items.items() if v]
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:limit]
