"""Notifications: `notify()` creates the record once per (user, dedup key) and enqueues its delivery, one job per
channel on the notifications queue (delivery.py). Triggers are small modules beside it (long_timers, budgets,
weekly_summary, digest, operator_alerts, reports); preferences.py holds each user's choices, kinds.py every kind.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Channel, EmailState, Notification, User, utcnow
from app.notifications import kinds, preferences
from app.notifications.delivery import deliver_later
from app.notifications.mail import one_line

log = logging.getLogger(__name__)


def notify(user: User, kind: str, dedup_key: str, title: str, body: str = "", link: str | None = None,
           data: dict | None = None, now: datetime | None = None) -> Notification | None:
    """Tell `user` once per `dedup_key`, by the channels they chose for `kind`. Returns the new notification, or None
    when it exists already (a retried or repeated trigger) or the user turned the kind off. The title is one line
    (it is the e-mail's subject): a trigger may build it from a name with line breaks."""
    spec = kinds.get(kind)
    channel = preferences.channel_for(user, kind)
    if channel == Channel.OFF or _exists(user.id, dedup_key):
        return None
    now = now or utcnow()
    notification = Notification(user_id=user.id, kind=kind, dedup_key=dedup_key[:200], title=one_line(title)[:200],
                                body=body, link=link, data=data or {}, in_app=channel.in_app, created_at=now,
                                email_state=EmailState.NONE)
    if channel.email:
        if preferences.settings_for(user).daily_digest and spec.digestible:
            notification.email_state = EmailState.DIGEST
        else:
            due = now + timedelta(seconds=spec.email_if_unread_after or 0)
            notification.email_state = EmailState.PENDING
            notification.email_due_at = preferences.after_quiet_hours(user, due)
    db.session.add(notification)
    try:
        db.session.commit()
    except IntegrityError:  # the same trigger, at the same instant, in another process
        db.session.rollback()
        return None
    deliver_later(notification, now)
    return notification


def _exists(user_id: int, dedup_key: str) -> bool:
    return db.session.scalar(db.select(Notification.id).where(
        Notification.user_id == user_id, Notification.dedup_key == dedup_key[:200])) is not None
