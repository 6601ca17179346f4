"""My time (/time-logs): whose entries to list (your own by default), by project, tag and billable, grouped by local day
with day totals. Paginated by entries; a day cut by a page break shows its whole total on both pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select

from app import policies
from app.extensions import db
from app.models import TimeLog, User, time_log_tags
from app.time_tracking.forms import LogFilters
from app.timezones import start_of_day, to_local, utcnow
from app.web.form_filters import parse_id

EVERYONE = "all"
BILLABLE = {"yes": True, "no": False}


@dataclass
class MyTimeFilters(LogFilters):
    """LogFilters plus ?who=<id>|all (default: yourself) and ?billable=yes|no, parsed as leniently."""

    who: int | str | None = None  # a user id, EVERYONE, or None: yourself
    billable: str = ""
    tag_id: int | None = None

    @classmethod
    def parse(cls, args) -> MyTimeFilters:
        filters = super().parse(args)
        raw_who = args.get("who", "").strip()
        if raw_who == EVERYONE:
            filters.who = EVERYONE
        elif raw_who:
            if parse_id(raw_who) is not None:
                filters.who = parse_id(raw_who)
            else:
                filters.errors.append(_("“%(value)s” is not a person: showing your own time.", value=raw_who[:40]))
        raw_tag = args.get("tag", "").strip()
        if raw_tag:
            if parse_id(raw_tag) is not None:
                filters.tag_id = parse_id(raw_tag)
            else:
                filters.errors.append(_("“%(value)s” is not a tag: the tag filter was ignored.", value=raw_tag[:40]))
        raw_billable = args.get("billable", "").strip()
        if raw_billable in BILLABLE:
            filters.billable = raw_billable
        elif raw_billable:
            filters.errors.append(_("“%(value)s” is not yes or no: the billable filter was ignored.",
                                     value=raw_billable[:40]))
        return filters

    def args(self) -> dict:
        out = super().args()
        if self.who is not None:
            out["who"] = self.who
        if self.billable:
            out["billable"] = self.billable
        if self.tag_id is not None:
            out["tag"] = self.tag_id
        return out


def people(viewer: User) -> list[User]:
    """Whose time the viewer may pick (just themselves for a member: then the filter is not offered)."""
    return list(db.session.scalars(policies.people_scope(viewer).order_by(User.name, User.id).limit(500)))


def scoped(viewer: User, filters: MyTimeFilters) -> Select:
    """The viewer's visible logs narrowed to the person the filter names (yourself by default); a person the
    viewer may not see is explained and replaced by the viewer."""
    query = policies.time_log_scope(viewer)
    if filters.who != EVERYONE:
        person_id = filters.who if isinstance(filters.who, int) else viewer.id
        if person_id != viewer.id and not policies.can_view_time_of(viewer, db.session.get(User, person_id)):
            filters.errors.append(_("That person is unknown: showing your own time."))
            filters.who, person_id = None, viewer.id
        query = query.where(TimeLog.user_id == person_id)
    if filters.billable:
        query = query.where(TimeLog.billable.is_(BILLABLE[filters.billable]))
    if filters.tag_id is not None:  # a tag of another organization simply matches none of the visible logs
        query = query.where(TimeLog.id.in_(select(time_log_tags.c.time_log_id)
                                           .where(time_log_tags.c.tag_id == filters.tag_id)))
    return query


@dataclass
class Day:
    day: date
    logs: list[TimeLog] = field(default_factory=list)
    minutes: int = 0  # every matching entry of the day, on this page or not


def by_day(viewer: User, logs: list[TimeLog], query: Select) -> list[Day]:
    """The page's logs grouped by the viewer's local day (newest first), each day with its whole total."""
    days: dict[date, Day] = {}
    for log in logs:
        local = to_local(log.start_time, viewer.zone).date()
        days.setdefault(local, Day(local)).logs.append(log)
    if not days:
        return []
    start, end = start_of_day(min(days), viewer.zone), start_of_day(max(days) + timedelta(days=1), viewer.zone)
    now = utcnow()
    rows = db.session.execute(query.where(TimeLog.start_time >= start, TimeLog.start_time < end)
                              .with_only_columns(TimeLog.start_time, TimeLog.end_time, TimeLog.duration_minutes)
                              .order_by(None))
    for start_time, end_time, minutes in rows:
        local = to_local(start_time, viewer.zone).date()
        if local in days:
            days[local].minutes += minutes if end_time is not None else int((now - start_time).total_seconds() // 60)
    return list(days.values())
