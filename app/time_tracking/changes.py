"""What follows a change to time data: the header timer of its user, and every dashboard it touches.

Views, services and the seeding job call time_logs_changed() after they commit.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from app.dashboards.invalidation import mark_dirty_for_logs, mark_dirty_for_organizations
from app.extensions import db
from app.live.streams import broadcast
from app.live.topics import UserTopic
from app.models import TimeLog, User
from app.notifications import budgets

log = logging.getLogger(__name__)


def time_logs_changed(logs: Iterable[TimeLog]) -> None:
    logs = list(logs)
    for user_id in {entry.user_id for entry in logs}:
        user = db.session.get(User, user_id)
        try:
            broadcast(UserTopic(user_id), "replace", "header-timer", "time_logs/_header_timer.html",
                      timer=user.running_timer, user=user)
        except Exception:
            log.exception("could not broadcast header timer for user %s", user_id)
    mark_dirty_for_logs(logs)
    try:  # a project's budget reaching 80% or 100% (a coalesced job per project with a budget)
        budgets.check_later({entry.project_id for entry in logs if entry.end_time is not None})
    except Exception:
        log.exception("could not queue budget checks")


def organizations_changed(organization_ids: Iterable[int]) -> None:
    """Bulk changes (a seeding run): every dashboard of these organizations, and the system's."""
    mark_dirty_for_organizations(list(organization_ids))
