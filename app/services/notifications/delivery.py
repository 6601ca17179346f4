"""Delivery, one job per channel on the notifications queue: `notification_in_app` (the bell and a toast, pushed
on the user's stream) and `notification_email` (retried by its policy with backoff; the in-app record is never
touched by a failed e-mail). Both are idempotent: a retried job sends nothing twice."""
from __future__ import annotations

import logging
from datetime import datetime

from app.extensions import db
from app.models import EmailState, Notification, utcnow
from app.services.notifications import broadcasts, emails, kinds, preferences

log = logging.getLogger(__name__)


def deliver_later(notification: Notification, now: datetime | None = None) -> None:
    """Enqueue its delivery jobs (after the commit that created it)."""
    from app.background.enqueue import EnqueueError, enqueue

    now = now or utcnow()
    try:
        if notification.in_app:
            enqueue("notification_in_app", notification.id, user_id=notification.user_id)
        if notification.email_state == EmailState.PENDING:
            delay = (notification.email_due_at - now).total_seconds() if notification.email_due_at else 0
            enqueue("notification_email", notification.id, user_id=notification.user_id,
                    delay=delay if delay > 0 else None)
    except EnqueueError as exc:  # the record stands; its list and bell show it on the next page
        log.error("could not queue the delivery of notification %s: %s", notification.id, exc)


def deliver_in_app(notification_id: int) -> str:
    notification = db.session.get(Notification, notification_id)
    if notification is None or not notification.in_app:
        return "nothing to deliver"
    delivered = broadcasts.notification_arrived(notification)
    return "pushed to the user's pages" if delivered else "no page open"


def deliver_email(notification_id: int, now: datetime | None = None) -> str:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.email_state != EmailState.PENDING:
        return "nothing to send"
    spec = kinds.get(notification.kind)
    user = notification.user
    if (spec.email_if_unread_after and notification.is_read) or not preferences.channel_for(user, spec.name).email:
        notification.email_state = EmailState.SKIPPED
        db.session.commit()
        return "read in the app (or e-mail turned off): not sent"
    from app.services.notifications.reports import attachments

    # raises on an SMTP failure: retried by the job's policy
    emails.send_notification(notification, attachments=attachments(notification))
    notification.mark_emailed(now)
    db.session.commit()
    return f"sent to {user.email}"
