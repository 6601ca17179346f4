"""The daily digest: for users who asked for it, the day's e-mail notifications gathered into one message at 08:00
in their time zone (one a day). `morning_round()` (every quarter hour) sends digests and weekly summaries,
and queues again e-mails whose delivery job was lost (the same job starts the scheduled reports:
jobs/notifications.py)."""
from __future__ import annotations

import logging
from datetime import datetime

from app.extensions import db
from app.models import EmailState, Notification, NotificationSettings, User, utcnow
from app.notifications import delivery, emails, weekly_summary
from app.timezones import to_local

log = logging.getLogger(__name__)

DIGEST_HOUR = 8


def send_digest(user: User, now: datetime) -> int:
    settings = db.session.get(NotificationSettings, user.id)
    today = to_local(now, user.zone).date()
    if settings is None or settings.last_digest_on == today:
        return 0
    gathered = list(db.session.scalars(db.select(Notification).where(
        Notification.user_id == user.id, Notification.email_state == EmailState.DIGEST,
        Notification.created_at <= now).order_by(Notification.created_at)))
    if gathered:
        emails.send_digest(user, gathered, today)  # raises on an SMTP failure: nothing is marked, the retry sends
        for notification in gathered:
            notification.mark_emailed(now)
    settings.last_digest_on = today
    db.session.commit()
    return len(gathered)


def send_digests(now: datetime | None = None) -> int:
    now = now or utcnow()
    zones = weekly_summary.zones_at(now, DIGEST_HOUR)
    if not zones:
        return 0
    users = list(db.session.scalars(db.select(User).join(NotificationSettings).where(
        NotificationSettings.daily_digest.is_(True), User.time_zone.in_(zones)).order_by(User.id)))
    sent, failed = 0, None
    for user in users:
        try:
            sent += 1 if send_digest(user, now) else 0
        except Exception as exc:  # one address refused must not hold the others' digests back
            db.session.rollback()
            log.exception("digest for user %s failed", user.id)
            failed = exc
    if failed is not None:
        raise failed  # retried by the job's policy: the users already served are not sent twice
    return sent


def morning_round(now: datetime | None = None) -> str:
    now = now or utcnow()

    delivery.sweep(now)
    summaries = weekly_summary.send_due(now)
    digests = send_digests(now)
    return f"{summaries} weekly summaries, {digests} digests"
