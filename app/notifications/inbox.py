"""What a user does with their notifications: list them, mark one or all read (every open tab follows)."""
from __future__ import annotations

from app.extensions import db
from app.models import Notification, User, utcnow
from app.notifications import broadcasts


def listing_query(user: User):
    """In-app notifications of the user, unread first, newest first."""
    return (db.select(Notification)
            .where(Notification.user_id == user.id, Notification.in_app.is_(True))
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc()))


def mark_read(notification: Notification) -> bool:
    changed = notification.mark_read()
    if changed:
        db.session.commit()
        broadcasts.notifications_read(notification.user_id, [notification])
    return changed


def mark_all_read(user: User) -> int:
    unread = list(db.session.scalars(db.select(Notification).where(
        Notification.user_id == user.id, Notification.in_app.is_(True), Notification.read_at.is_(None))))
    now = utcnow()
    for notification in unread:
        notification.mark_read(now)
    db.session.commit()
    broadcasts.notifications_read(user.id, unread)
    return len(unread)
