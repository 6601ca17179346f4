"""Delivery, one job per channel on the notifications queue: `notification_in_app` (the bell and a toast, pushed
on the user's stream) and `notification_email` (retried by its policy with backoff; the in-app record is never
touched by a failed e-mail). Both are idempotent: a retried job sends nothing twice."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from rq import get_current_job

from app.background.enqueue import EnqueueError, enqueue
from app.extensions import db
from app.models import EmailState, Notification, utcnow
from app.notifications import attachments, broadcasts, emails, kinds, preferences

log = logging.getLogger(__name__)


def deliver_later(notification: Notification, now: datetime | None = None) -> None:
    """Enqueue its delivery jobs (after the commit that created it)."""

    if notification.in_app:
        try:
            enqueue("notification_in_app", notification.id, user_id=notification.user_id)
        except EnqueueError as exc:  # the record stands; its list and bell show it on the next page
            log.error("could not queue the in-app delivery of notification %s: %s", notification.id, exc)
    if notification.email_state == EmailState.PENDING:
        due = notification.email_due_at
        email_later(notification, delay=(due - (now or utcnow())).total_seconds() if due else 0)


def email_later(notification: Notification, delay: float = 0) -> None:
    """The e-mail job, coalesced per notification (one waiting for its retry is not doubled); a job lost with
    Redis is queued again by sweep()."""

    try:
        enqueue("notification_email", notification.id, user_id=notification.user_id,
                key=f"notification_email:{notification.id}", delay=delay if delay > 0 else None)
    except EnqueueError as exc:
        log.error("could not queue the e-mail of notification %s: %s", notification.id, exc)


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
    try:  # an SMTP failure raises: the job's policy retries it
        emails.send_notification(notification, attachments=attachments.attachments(notification))
    except Exception:
        job = get_current_job()
        if job is None or not job.retries_left:  # the last attempt: the sweep must not try it forever
            db.session.rollback()
            notification = db.session.get(Notification, notification_id)
            notification.email_state = EmailState.FAILED
            db.session.commit()
        raise
    notification.mark_emailed(now)
    db.session.commit()
    return f"sent to {user.email}"


SWEEP_AFTER = timedelta(minutes=30)


def sweep(now: datetime | None = None) -> int:
    """Queue again the e-mails whose delivery job was lost (Redis down when it was queued, or emptied since): still
    pending half an hour after they were due. Coalesced per notification, so one waiting for a retry is left alone."""
    now = now or utcnow()
    stale = list(db.session.scalars(db.select(Notification).where(
        Notification.email_state == EmailState.PENDING, Notification.email_due_at < now - SWEEP_AFTER)
        .order_by(Notification.id).limit(500)))
    for notification in stale:
        email_later(notification)
    return len(stale)
