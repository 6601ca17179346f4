"""Cache warming: recompute the dashboards of users, teams and organizations active in the last hour.

Run every 5 minutes by the recurring table (kind "cache_warming"), so that open dashboards follow the
time that passes (running timers). Each dashboard someone has open is enqueued as its own coalesced job
(a dashboard already pending is not queued twice), so warming never piles up behind itself; the others
are only marked stale (app/live/presence.py): their next page view recomputes them.
"""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import or_, select

from app.dashboards.invalidation import keys_for_logs
from app.dashboards.recompute import recompute_if_watched
from app.extensions import db
from app.live.topics import DashboardKey
from app.models import TimeLog, utcnow


def active_keys(since) -> list[DashboardKey]:
    """Keys of the dashboards touched by logs changed since `since`, or running now."""
    pairs = db.session.execute(
        select(TimeLog.user_id, TimeLog.organization_id)
        .where(or_(TimeLog.updated_at >= since, TimeLog.end_time.is_(None))).distinct()
    ).all()
    return keys_for_logs([SimpleNamespace(user_id=u, organization_id=o) for u, o in pairs])


def warm(window: timedelta = timedelta(hours=1)) -> str:
    return f"{recompute_if_watched(active_keys(utcnow() - window))} dashboards queued"
