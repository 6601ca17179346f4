"""Which dashboards a data change touches; each is recomputed by a throttled, coalesced job.

A change marks dirty: the log's user's dashboard, the dashboards of that user's teams in the log's
organization, the organization's and the system's. Each that a page has open (app/live/presence.py; the
others are only marked stale, their next page view recomputes) is recomputed under its own coalescing
key and throttled by DASHBOARD_THROTTLE_SECONDS (app/dashboards/recompute.py): the first change
runs at once, the rest of the window from any number of processes share one trailing run at its end
(and a change made while a run is going gets exactly one more). Called after commit; a Redis outage
only costs the live update, never the change itself.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

import redis
from flask import current_app
from sqlalchemy import select

from app.background.enqueue import EnqueueError
from app.dashboards.recompute import recompute_if_watched
from app.extensions import db
from app.live.topics import SYSTEM_DASHBOARD, DashboardKey
from app.models import Membership, Team, TeamMembership

log = logging.getLogger(__name__)


def keys_for_logs(logs) -> list[DashboardKey]:
    pairs = {(entry.user_id, entry.organization_id) for entry in logs}
    if not pairs:
        return []
    user_ids = {u for u, _ in pairs}
    org_ids = {o for _, o in pairs}
    teams = db.session.execute(
        select(TeamMembership.user_id, Team.id, Team.organization_id)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(TeamMembership.user_id.in_(user_ids), Team.organization_id.in_(org_ids))
    ).all()
    team_ids = {t for u, t, o in teams if (u, o) in pairs}
    return _keys(sorted(user_ids), sorted(team_ids), sorted(org_ids))


def keys_for_organizations(organization_ids: Iterable[int]) -> list[DashboardKey]:
    """Every dashboard of these organizations: their members', their teams', their own, the system's."""
    org_ids = sorted(set(organization_ids))
    if not org_ids:
        return []
    users = db.session.scalars(select(Membership.user_id).where(Membership.organization_id.in_(org_ids))
                               .distinct())
    teams = db.session.scalars(select(Team.id).where(Team.organization_id.in_(org_ids)))
    return _keys(sorted(users), sorted(teams), org_ids)


def _keys(user_ids, team_ids, org_ids) -> list[DashboardKey]:
    return ([DashboardKey("user", u) for u in user_ids] + [DashboardKey("team", t) for t in team_ids]
            + [DashboardKey("org", o) for o in org_ids] + [SYSTEM_DASHBOARD])


def mark_dirty(keys: Iterable[DashboardKey]) -> int:
    """A throttled, coalesced recompute of each dashboard someone has open (the others are marked stale);
    returns how many were asked for (0 while Redis is down: the change stands, only its live update is lost)."""
    try:
        return recompute_if_watched(keys, throttle=current_app.config["DASHBOARD_THROTTLE_SECONDS"])
    except (EnqueueError, redis.RedisError) as exc:
        log.warning("live update of dashboards skipped: %s", exc)
        return 0


def mark_dirty_for_logs(logs) -> None:
    mark_dirty(keys_for_logs(list(logs)))


def mark_dirty_for_organizations(organization_ids: list[int]) -> None:
    mark_dirty(keys_for_organizations(organization_ids))
