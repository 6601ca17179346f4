"""The weekly summary: every user who has it on gets, on Monday at 08:00 in their own time zone, last week's hours
by project (Monday to Sunday, local), the change against the week before and a small bar chart; once per week
(the dedup key names the week)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import gettext as _

from app.extensions import db
from app.i18n import speaking_to
from app.models import Project, TimeLog, User, utcnow
from app.notifications.notify import notify
from app.timezones import start_of_day, to_local

SEND_WEEKDAY, SEND_HOUR = 0, 8  # Monday, 08:00 local


def zones_at(now: datetime, hour: int, weekday: int | None = None) -> list[str]:
    """The users' time zones where the local time is now within `hour` (on `weekday`, when given)."""
    zones = []
    for name in db.session.scalars(db.select(User.time_zone).distinct()):
        try:
            local = to_local(now, ZoneInfo(name))
        except (ValueError, KeyError):
            continue
        if local.hour == hour and (weekday is None or local.weekday() == weekday):
            zones.append(name)
    return zones


def hours_by_project(user: User, first_day: date, zone) -> dict[str, float]:
    """Finished hours of the user per project name in the local week starting `first_day`."""
    start, end = start_of_day(first_day, zone), start_of_day(first_day + timedelta(days=7), zone)
    rows = db.session.execute(
        db.select(Project.name, db.func.sum(TimeLog.duration_minutes))
        .join(Project, Project.id == TimeLog.project_id)
        .where(TimeLog.user_id == user.id, TimeLog.end_time.is_not(None),
               TimeLog.start_time >= start, TimeLog.start_time < end)
        .group_by(Project.name))
    return {name: round((minutes or 0) / 60, 2) for name, minutes in rows}


def summary(user: User, now: datetime) -> dict:
    """Last week's figures for the user, as of `now` (naive UTC)."""
    zone = user.zone
    today = to_local(now, zone).date()
    last_monday = today - timedelta(days=today.weekday() + 7)
    last = hours_by_project(user, last_monday, zone)
    before = hours_by_project(user, last_monday - timedelta(days=7), zone)
    top = max(last.values(), default=0) or 1
    rows = [{"project": name, "hours": hours, "previous": before.get(name, 0.0),
             "bar": round(hours / top * 100)} for name, hours in sorted(last.items(), key=lambda i: (-i[1], i[0]))]
    total, previous_total = round(sum(last.values()), 2), round(sum(before.values()), 2)
    return {"week": last_monday.isoformat(), "week_end": (last_monday + timedelta(days=6)).isoformat(),
            "rows": rows, "total": total, "previous_total": previous_total,
            "change": round(total - previous_total, 2)}


def send_to(user: User, now: datetime):
    data = summary(user, now)
    change = data["change"]
    first = date.fromisoformat(data["week"])
    with speaking_to(user):  # stored as text: written in the recipient's language
        trend = _("%(change)s h on the week before (%(previous)s h)",
                  change=f"{'+' if change >= 0 else '−'}{abs(change):.1f}", previous=f"{data['previous_total']:.1f}")
        title = _("Your week of %(day)s: %(total)s h", day=format_date(first, "dd MMM"), total=f"{data['total']:.1f}")
        body = _("Last week (%(first)s to %(last)s) you logged %(total)s h, %(trend)s.", first=data["week"],
                 last=data["week_end"], total=f"{data['total']:.1f}", trend=trend)
        if data["rows"]:  # the e-mail shows every project in its chart (templates/mail/notifications/_weekly_summary.*)
            top = data["rows"][0]
            body += " " + _("Most of it on %(project)s (%(hours)s h).", project=top["project"],
                            hours=f"{top['hours']:.1f}")
    return notify(user, "weekly_summary", f"weekly_summary:{data['week']}", title, body,
                  link="/dashboard", data=data, now=now)


def send_due(now: datetime | None = None) -> int:
    """Summaries for every user whose local time is Monday 08:xx now (run every quarter hour; once a week each)."""
    now = now or utcnow()
    zones = zones_at(now, SEND_HOUR, SEND_WEEKDAY)
    if not zones:
        return 0
    users = db.session.scalars(db.select(User).where(User.time_zone.in_(zones)).order_by(User.id))
    return sum(1 for user in list(users) if send_to(user, now))
