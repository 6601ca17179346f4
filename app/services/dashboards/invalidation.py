"""Which dashboards a data change touches; each is recomputed by a debounced, coalesced job.

A change marks dirty: the log's user's dashboard, the dashboards of that user's teams in the log's
organization, the organization's and the system's. Each key is enqueued with a delay of
DASHBOARD_DEBOUNCE_SECONDS under its own coalescing key, so a burst of changes from any number of
processes shares one pending job per dashboard (and a change made while that job runs gets exactly
one more). Called after commit; a Redis outage only costs the live update, never the change itself.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Team, TeamMembership
from app.services.dashboards.keys import SYSTEM_KEY, org_key, team_key, user_key

log = logging.getLogger(__name__)


def keys_for_logs(logs) -> list[str]:
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
    return ([user_key(u) for u in sorted(user_ids)] + [team_key(t) for t in sorted(team_ids)]
            + [org_key(o) for o in sorted(org_ids)] + [SYSTEM_KEY])


def keys_for_organizations(organization_ids: Iterable[int]) -> list[str]:
    """Every dashboard of these organizations: their members', their teams', their own, the system's."""
    from app.models import Membership

    org_ids = sorted(set(organization_ids))
    if not org_ids:
        return []
    users = db.session.scalars(select(Membership.user_id).where(Membership.organization_id.in_(org_ids))
                               .distinct())
    teams = db.session.scalars(select(Team.id).where(Team.organization_id.in_(org_ids)))
    return ([user_key(u) for u in sorted(users)] + [team_key(t) for t in sorted(teams)]
            + [org_key(o) for o in org_ids] + [SYSTEM_KEY])


def refresh_soon(keys: Iterable[str]) -> int:
    """Enqueue a debounced, coalesced recompute of each key; returns how many were asked for."""
    from app.services.job_queue import EnqueueError, enqueue

    delay = current_app.config["DASHBOARD_DEBOUNCE_SECONDS"]
    count = 0
    for key in keys:
        try:
            enqueue("dashboard_data", key, key=key, delay=delay)
            count += 1
        except EnqueueError as exc:
            log.warning("live update of %s skipped: %s", key, exc)
            break  # Redis is down: the next keys would fail the same way
    return count


def mark_dirty_for_logs(logs) -> None:
    refresh_soon(keys_for_logs(list(logs)))


def mark_dirty_for_organizations(organization_ids: list[int]) -> None:
    refresh_soon(keys_for_organizations(organization_ids))
