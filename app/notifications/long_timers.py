"""A timer running longer than 10 hours: its user is told once per timer (checked every 10 minutes)."""
from __future__ import annotations

from datetime import datetime, timedelta

from app.extensions import db
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
        if notify(user, "long_timer", f"long_timer:{log.id}",
                  f"Your timer on {log.project.name} has been running for {hours} hours",
                  f"It started {started:%a %d %b at %H:%M} ({user.time_zone}). Stop it, or correct the entry if it "
                  "was left running by mistake.", link="/time-logs", now=now):
            sent += 1
    return f"{sent} long-running timer(s) notified"
