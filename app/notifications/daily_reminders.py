"""The daily reminder "You have not tracked anything today": at the local time each person chose (off unless they
chose one), on weekdays, once a day, only when they have no entry that local day and no timer running. Checked
every 5 minutes (the daily_reminders recurring entry); in the app and by e-mail as their daily_reminder channel says.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from app.extensions import db
from app.i18n import speaking_to
from app.models import NotificationSettings, TimeLog, User, utcnow
from app.notifications.notify import notify
from app.timezones import start_of_day, to_local

SATURDAY = 5


def send_due(now: datetime | None = None) -> str:
    now = now or utcnow()
    rows = db.session.execute(db.select(NotificationSettings, User).join(User, User.id == NotificationSettings.user_id)
                              .where(NotificationSettings.reminder_at.is_not(None)).order_by(User.id)).all()
    sent = 0
    for settings, user in rows:
        local = to_local(now, user.zone)
        today = local.date()
        if local.weekday() >= SATURDAY or local.time() < settings.reminder_at or settings.last_reminder_on == today:
            continue
        if not _tracked_on(user, today):
            with speaking_to(user):  # stored as text: written in the recipient's language
                title = _("You have not tracked anything today")
                body = _("Nothing is tracked for %(day)s yet. Start a timer or add what you did.",
                         day=format_date(today, "EEEE dd MMMM"))
            if notify(user, "daily_reminder", f"daily_reminder:{today.isoformat()}", title, body, link="/time-logs",
                      now=now):
                sent += 1
        settings.last_reminder_on = today
        db.session.commit()
    return f"{sent} daily reminder(s) sent"


def _tracked_on(user: User, day) -> bool:
    """An entry starting that local day, or a timer running now."""
    first = start_of_day(day, user.zone)
    end = start_of_day(day + timedelta(days=1), user.zone)
    return db.session.scalar(db.select(TimeLog.id).where(
        TimeLog.user_id == user.id,
        ((TimeLog.start_time >= first) & (TimeLog.start_time < end)) | TimeLog.end_time.is_(None)).limit(1)) is not None
