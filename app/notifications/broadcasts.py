"""What a notification shows live on its user's pages (topic user:<id>, the same socket as the header timer):
the bell with the unread count, a toast for a new one, and its row on /notifications. Every tab of the user gets
the same pushes, so the count stays right across tabs."""
from __future__ import annotations

import logging
from collections.abc import Callable

from app.live import presence
from app.live.streams import broadcast_stream, render_stream
from app.live.topics import UserTopic
from app.models import Notification
from app.notifications.bell import unread_count

log = logging.getLogger(__name__)


def _bell(user_id: int) -> str:
    return render_stream("replace", "notification-bell", "notifications/_bell.html", count=unread_count(user_id))


def _push(user_id: int, stream: Callable[[], str]) -> bool:
    """Push what `stream` renders to the user's pages, rendered once per language they have pages open in."""
    topic = UserTopic(user_id)
    if not presence.is_watched(topic):  # no page of theirs is open: the next page renders the bell itself
        return False
    try:
        broadcast_stream(topic, stream)
    except Exception:  # the record is the truth; a page shows it on its next load
        log.exception("could not push notification changes to user %s", user_id)
        return False
    return True


def notification_arrived(notification: Notification) -> bool:
    return _push(notification.user_id, lambda: (
        _bell(notification.user_id)
        + render_stream("append", "toasts", "notifications/_toast.html", notification=notification)
        + render_stream("prepend", "notification-items", "notifications/_item.html", notification=notification)))


def notifications_read(user_id: int, notifications: list[Notification]) -> bool:
    """The bell, and the rows that changed, on every open page of the user."""
    return _push(user_id, lambda: _bell(user_id) + "".join(
        render_stream("replace", f"notification-{n.id}", "notifications/_item.html", notification=n)
        for n in notifications[:100]))
