"""The bell's number: unread in-app notifications, counted up to a limit (every page renders the bell)."""
from __future__ import annotations

from app.extensions import db
from app.models import Notification

BELL_LIMIT = 100  # the bell shows "99+" beyond; counting stops there (every page renders the bell)


def unread_count(user_id: int) -> int:
    """Unread in-app notifications of the user, up to BELL_LIMIT (an index range scan, never a full count)."""
    ids = db.session.scalars(db.select(Notification.id).where(
        Notification.user_id == user_id, Notification.in_app.is_(True), Notification.read_at.is_(None))
        .limit(BELL_LIMIT))
    return len(ids.all())
