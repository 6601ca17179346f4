"""The organization dashboard's recent activity, live: a timer started or stopped, or an entry added, is prepended
to the open dashboards' list at once (Turbo removes an element of the same id first, so a stopped timer replaces
its running line), an edited entry is replaced where it is, a deleted one removed, without waiting for the
section's recompute. Only for dashboards someone has open. app/time_tracking/changes.py calls these."""
from __future__ import annotations

import logging
from datetime import UTC

from app.live import presence
from app.live.publisher import turbo
from app.live.streams import broadcast, broadcast_stream
from app.live.topics import DashboardKey
from app.models import TimeLog
from app.timezones import to_local, utcnow
from app.web.helpers import dom_id

log = logging.getLogger(__name__)

TEMPLATE = "dashboard/_activity_item.html"


def item(entry: TimeLog) -> dict:
    """The same fields as dashboards.common.recent_activity (organization dashboards are in UTC)."""
    running = entry.end_time is None
    minutes = entry.elapsed_seconds(utcnow()) // 60 if running else (entry.duration_minutes or 0)
    return {"id": entry.id, "user": entry.user.name, "project": entry.project.name,
            "when": to_local(entry.start_time, UTC).strftime("%d %b %H:%M"),
            "at": to_local(entry.start_time, UTC).replace(tzinfo=None).isoformat(timespec="minutes"),
            "running": running,
            "minutes": minutes, "description": (entry.description or "")[:80]}


def item_id(log_id: int) -> str:
    """The DOM id of a log's line in the list (templates/dashboard/_activity_item.html)."""
    return f"activity-log-{log_id}"


def log_changed(entry: TimeLog) -> None:
    """Show a started, stopped or added log at the top of its organization's open dashboards."""
    key = DashboardKey("org", entry.organization_id)
    _push(entry, key, lambda: broadcast(key, "prepend", dom_id(key, "activity-items"), TEMPLATE, item=item(entry)))


def log_edited(entry: TimeLog) -> None:
    """An edited log's line changes where it is (nothing happens on a dashboard that does not list it)."""
    key = DashboardKey("org", entry.organization_id)
    _push(entry, key, lambda: broadcast(key, "replace", item_id(entry.id), TEMPLATE, item=item(entry)))


def log_deleted(entry: TimeLog) -> None:
    """A deleted log's line goes (`entry` is a copy of the log as it was)."""
    key = DashboardKey("org", entry.organization_id)
    _push(entry, key, lambda: broadcast_stream(key, turbo.remove(item_id(entry.id))))


def _push(entry: TimeLog, key: DashboardKey, push) -> None:
    try:
        if presence.is_watched(key):
            push()
    except Exception:  # a view of the data: never fail the change for it
        log.exception("could not push activity of log %s", entry.id)
