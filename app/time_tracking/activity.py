"""The organization dashboard's recent activity, live: a timer started or stopped, or an entry added, is prepended
to the open dashboards' list at once (Turbo removes an element of the same id first, so a stopped timer replaces
its running line), without waiting for the section's recompute. Only for dashboards someone has open."""
from __future__ import annotations

import logging
from datetime import UTC

from app.live import presence
from app.live.streams import broadcast
from app.live.topics import DashboardKey
from app.models import TimeLog
from app.timezones import to_local, utcnow
from app.web.helpers import dom_id

log = logging.getLogger(__name__)


def item(entry: TimeLog) -> dict:
    """The same fields as dashboards.common.recent_activity (organization dashboards are in UTC)."""
    running = entry.end_time is None
    minutes = entry.elapsed_seconds(utcnow()) // 60 if running else (entry.duration_minutes or 0)
    return {"id": entry.id, "user": entry.user.name, "project": entry.project.name,
            "when": to_local(entry.start_time, UTC).strftime("%d %b %H:%M"), "running": running,
            "minutes": minutes, "description": (entry.description or "")[:80]}


def log_changed(entry: TimeLog) -> None:
    """Show a started, stopped or added log on its organization's open dashboards."""
    key = DashboardKey("org", entry.organization_id)
    try:
        if not presence.is_watched(key):
            return

        broadcast(key, "prepend", dom_id(key, "activity-items"), "dashboard/_activity_item.html", item=item(entry))
    except Exception:  # a view of the data: never fail the change for it
        log.exception("could not push activity of log %s", entry.id)
