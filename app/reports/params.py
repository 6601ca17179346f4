"""What a report is asked for: ReportParams, its date presets, and the checks every caller shares
(the web form, the CLI, a saved definition run again). Stored on Report.params as a plain dict.

A preset range ("last_month") is kept as a preset in a saved definition and resolved to dates when a
report is created, in the owner's time zone and with the organization's first day of the week.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from babel.dates import format_date
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Client, Membership, Organization, Project, Tag, Task, Team, User
from app.timezones import to_local, utcnow

RANGES = {
    "this_week": _l("This week"), "last_week": _l("Last week"), "this_month": _l("This month"),
    "last_month": _l("Last month"), "this_year": _l("This year"), "custom": _l("Custom"),
}
GROUPS = {"project": _l("Project"), "client": _l("Client"), "user": _l("User"), "team": _l("Team"),
          "task": _l("Task"), "tag": _l("Tags"), "day": _l("Day"), "week": _l("Week"), "month": _l("Month")}
# a level as a table's column heading (the summary's, the PDF's): "tag" reads "Tag" there, "Tags" in the form
LEVEL_TITLES = {**GROUPS, "tag": _l("Tag")}
FORMATS = {"csv": "CSV", "xlsx": "XLSX", "pdf": "PDF"}
BILLABLE = {"all": _l("Both"), "billable": _l("Billable only"), "non_billable": _l("Non-billable only")}
ROUNDING = {"none": _l("No rounding"), "up": _l("Round up"), "down": _l("Round down"),
            "nearest": _l("Round to nearest")}
ROUNDING_MINUTES = (1, 5, 6, 10, 15, 30)
HOURS_FORMATS = {"hmm": "h:mm", "decimal": _l("Decimal hours")}
# the same choices inside a sentence (describe()): lower case in English, as each language writes them there
RANGE_WORDS = {"this_week": _l("this week"), "last_week": _l("last week"), "this_month": _l("this month"),
               "last_month": _l("last month"), "this_year": _l("this year"), "custom": _l("custom")}
GROUP_WORDS = {"project": _l("project"), "client": _l("client"), "user": _l("user"), "team": _l("team"),
               "task": _l("task"), "tag": _l("tags"), "day": _l("day"), "week": _l("week"), "month": _l("month")}
BILLABLE_WORDS = {"billable": _l("billable only"), "non_billable": _l("non-billable only")}
HOURS_WORDS = {"hmm": "h:mm", "decimal": _l("decimal hours")}
MAX_SPAN_DAYS = 5 * 366  # "a range over 5 years" is refused
# The days a report may cover: its bounds become datetimes in the report's time zone and in UTC, and the day after
# its last (the exclusive end), none of which Python can hold beyond year 9999 (OverflowError in the job).
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)
DATE_INPUT = {"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()}  # the form's date pickers


class ParamError(ValueError):
    """Bad report parameters: {field: message}, fit to show next to each field (or on the CLI)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class ReportParams:
    organization_id: int
    range: str = "last_month"
    date_from: str | None = None  # ISO dates, inclusive; filled from the preset when not custom
    date_to: str | None = None
    groups: list[str] = field(default_factory=list)  # zero to two levels
    project_ids: list[int] = field(default_factory=list)
    client_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    billable: str = "all"
    rounding: str = "none"
    rounding_minutes: int = 15
    hours_format: str = "hmm"
    format: str = "csv"
    time_zone: str = "UTC"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ReportParams:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def start(self) -> date:
        return date.fromisoformat(self.date_from)

    @property
    def end(self) -> date:
        return date.fromisoformat(self.date_to)

    def resolved(self, today: date, week_start: int = 0) -> ReportParams:
        """A copy with date_from/date_to set from the preset (a custom range is kept as it is)."""
        if self.range == "custom":
            return ReportParams.from_dict(self.to_dict())
        start, end = preset_dates(self.range, today, week_start)
        return ReportParams.from_dict({**self.to_dict(), "date_from": start.isoformat(), "date_to": end.isoformat()})


def preset_dates(preset: str, today: date, week_start: int = 0) -> tuple[date, date]:
    """Inclusive (first, last) day of a preset range; week_start 0 is Monday, 6 Sunday."""
    first_weekday = 0 if week_start == 0 else 6
    this_week = today - timedelta(days=(today.weekday() - first_weekday) % 7)
    if preset == "this_week":
        return this_week, this_week + timedelta(days=6)
    if preset == "last_week":
        return this_week - timedelta(days=7), this_week - timedelta(days=1)
    if preset == "this_month":
        nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return today.replace(day=1), nxt - timedelta(days=1)
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    raise ParamError({"range": _("Unknown date range %(range)s.", range=repr(preset))})


def check(params: ReportParams) -> ReportParams:
    """Raise ParamError for anything a report cannot be made from; ids must belong to its organization.
    (What the user may see is not checked here: the report's query is the user's policy scope.)"""
    errors: dict[str, str] = {}
    if db.session.get(Organization, params.organization_id or 0) is None:
        errors["organization_id"] = _("Choose an organization.")
    if params.range not in RANGES:
        errors["range"] = _("Choose one of the date ranges.")
    try:
        start, end = params.start, params.end
    except (TypeError, ValueError):
        errors["date_from"] = _("Give both dates as YYYY-MM-DD.")
    else:
        outside = {name: _("Give a date from %(first)s to %(last)s.", first=EARLIEST.isoformat(),
                                 last=LATEST.isoformat())
                   for name, day in (("date_from", start), ("date_to", end)) if not EARLIEST <= day <= LATEST}
        errors.update(outside)
        if not outside and end < start:
            errors["date_to"] = _("The end date is before the start date.")
        elif not outside and (end - start).days >= MAX_SPAN_DAYS:
            errors["date_to"] = _("A report covers at most 5 years.")
    if len(params.groups) > 2 or any(g not in GROUPS for g in params.groups):
        errors["groups"] = _("Group by at most two of: %(groups)s.", groups=", ".join(GROUPS))
    elif len(set(params.groups)) != len(params.groups):
        errors["groups"] = _("Choose two different groupings.")
    if params.format not in FORMATS:
        errors["format"] = _("Choose CSV, XLSX or PDF.")
    if params.billable not in BILLABLE:
        errors["billable"] = _("Choose billable only, non-billable only or both.")
    if params.rounding not in ROUNDING:
        errors["rounding"] = _("Choose no rounding, up, down or nearest.")
    if params.rounding_minutes not in ROUNDING_MINUTES:
        errors["rounding_minutes"] = _("Round to 1, 5, 6, 10, 15 or 30 minutes.")
    if params.hours_format not in HOURS_FORMATS:
        errors["hours_format"] = _("Choose h:mm or decimal hours.")
    if "organization_id" not in errors:
        org = params.organization_id
        for name, model, ids in (("project_ids", Project, params.project_ids),
                                 ("client_ids", Client, params.client_ids), ("team_ids", Team, params.team_ids)):
            if ids and not _all_in_org(model.id, model.organization_id, ids, org):
                errors[name] = str(OF_THIS_ORGANIZATION[name])
        if params.tag_ids and not _all_in_org(Tag.id, Tag.organization_id, params.tag_ids, org):
            errors["tag_ids"] = _("Choose tags of this organization.")
        if params.task_ids and not _all_in_org(Task.id, Project.organization_id, params.task_ids, org,
                                               join=(Project, Project.id == Task.project_id)):
            errors["task_ids"] = _("Choose tasks of this organization's projects.")
        if params.user_ids and not _all_in_org(Membership.user_id, Membership.organization_id, params.user_ids, org):
            errors["user_ids"] = _("Choose people of this organization.")
    if errors:
        raise ParamError(errors)
    return params


OF_THIS_ORGANIZATION = {"project_ids": _l("Choose projects of this organization."),
                        "client_ids": _l("Choose clients of this organization."),
                        "team_ids": _l("Choose teams of this organization.")}


def _all_in_org(id_column, org_column, ids: list[int], organization_id: int, join=None) -> bool:
    if any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
        return False
    query = select(id_column)
    if join is not None:
        query = query.join(*join)
    found = set(db.session.scalars(query.where(id_column.in_(ids), org_column == organization_id)))
    return found == set(ids)


def describe(params: ReportParams, names: dict | None = None) -> str:
    """The parameters in words, for lists, page headers and every output (in the current language)."""
    parts = [range_in_words(params)]
    if params.range != "custom" and params.date_from and params.date_to:
        parts[0] = _("%(dates)s (%(range)s)", dates=parts[0], range=RANGE_WORDS.get(params.range, params.range))
    if params.groups:
        words = [str(GROUP_WORDS.get(g, g)) for g in params.groups]
        parts.append(_("by %(first)s and %(second)s", first=words[0], second=words[1]) if len(words) == 2
                     else _("by %(group)s", group=" and ".join(words)))
    chosen = ((lambda n: ngettext("%(num)d project", "%(num)d projects", n), params.project_ids),
              (lambda n: ngettext("%(num)d client", "%(num)d clients", n), params.client_ids),
              (lambda n: ngettext("%(num)d person", "%(num)d people", n), params.user_ids),
              (lambda n: ngettext("%(num)d team", "%(num)d teams", n), params.team_ids),
              (lambda n: ngettext("%(num)d task", "%(num)d tasks", n), params.task_ids),
              (lambda n: ngettext("%(num)d tag", "%(num)d tags", n), params.tag_ids))
    filters = [words(len(ids)) for words, ids in chosen if ids]
    if filters:
        parts.append(_("only %(filters)s", filters=", ".join(filters)))
    if params.billable != "all":
        parts.append(str(BILLABLE_WORDS.get(params.billable, params.billable)))
    if params.rounding != "none":
        parts.append(ROUNDING_WORDS[params.rounding](params.rounding_minutes) if params.rounding in ROUNDING_WORDS
                     else f"{params.rounding} {params.rounding_minutes}")
    parts.append(_("hours as %(format)s", format=HOURS_WORDS.get(params.hours_format, params.hours_format)))
    parts.append(_("time zone %(zone)s", zone=params.time_zone))
    return ", ".join(parts)


ROUNDING_WORDS = {
    "up": lambda m: _("round up to %(minutes)s min", minutes=m),
    "down": lambda m: _("round down to %(minutes)s min", minutes=m),
    "nearest": lambda m: _("round to nearest to %(minutes)s min", minutes=m),
}


def _month(d: date) -> str:
    """The month's short name in the current language ("Mar"; English outside a request or a job's speaking_to)."""
    return format_date(d, "MMM", locale=get_locale() or "en")


def range_in_words(params: ReportParams) -> str:
    """A range as a person says it: a saved preset as its name ("Last month"), dates as a span ("1–31 Mar 2026",
    "24 Feb – 2 Mar 2026", "29 Dec 2025 – 4 Jan 2026", "3 Mar 2026"); never "None to None"."""
    try:
        start, end = params.start, params.end
    except (TypeError, ValueError):
        return str(RANGES.get(params.range, _("Custom"))) if params.range != "custom" else _("Custom dates (not set)")
    return date_span(start, end)


def date_span(start: date, end: date) -> str:
    def day(d: date, year: bool = True) -> str:
        return f"{d.day} {_month(d)}" + (f" {d.year}" if year else "")
    if start == end:
        return day(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}\u2013{day(end)}"
    if start.year == end.year:
        return f"{day(start, year=False)} \u2013 {day(end)}"
    return f"{day(start)} \u2013 {day(end)}"


def for_user(user: User, organization: Organization, **values) -> ReportParams:
    """Params in the user's time zone, with the preset resolved for today there."""

    params = ReportParams(organization_id=organization.id, time_zone=user.time_zone or "UTC", **values)
    today = to_local(utcnow(), user.zone).date()
    return params.resolved(today, organization.week_start or 0)
