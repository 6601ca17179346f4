"""A timer running longer than 10 hours: its user is told once per timer (checked every 10 minutes)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from app.extensions import db
from app.i18n import speaking_to
from app.models import TimeLog, utcnow
from app.notifications.notify import notify
from app.timezones import to_local

LIMIT = timedelta(hours=10)


def check(now: datetime | None = None) -> str:
    now = now or utcnow()
    running = db.session.scalars(db.select(TimeLog).where(
        TimeLog.end_time.is_(None), TimeLog.start_time <= now - LIMIT).order_by(TimeLog.id))
    sent = 0
    for log in running:
        user, hours = log.user, int(log.elapsed_seconds(now) // 3600)
        started = to_local(log.start_time, user.zone)
        with speaking_to(user):  # stored as text: written in the recipient's language
            title = _("Your timer on %(project)s has been running for %(hours)s hours", project=log.project.name,
                      hours=hours)
            body = _("It started %(day)s at %(time)s (%(zone)s). Stop it, or correct the entry if it was left "
                     "running by mistake.", day=format_date(started.date(), "EEE dd MMM"),
                     time=f"{started:%H:%M}", zone=user.time_zone)
        if notify(user, "long_timer", f"long_timer:{log.id}", title, body, link="/time-logs", now=now):
            sent += 1
    return f"{sent} long-running timer(s) notified"
