"""The rows of a report: the time logs the user's policy lets them see (app.policies.time_log_scope),
filtered, read from the database in chunks (yield_per: a server-side cursor on PostgreSQL), each turned
into a ReportRow with its local times, rounded duration and amount.

Rules, written once here:
- a log belongs to the day (and range) of its *start* in the report's time zone; a log that crosses
  local midnight counts wholly on the day it started;
- a running timer counts up to the report's `as_of` (when it was created), its end left empty;
  a timer started after `as_of` is left out;
- a log's team is its project's team; a former member (membership.removed_at set) is named
  "<name> (former member)";
- rate = the billable rate resolved for the log's user, project and local day (app/billing/rates.py: the
  most specific level effective that day; the organization's rates are loaded once per report);
  amount = hours after rounding x that rate, for billable logs with a rate, rounded to cents per log (so
  totals equal the sum of the rows); both in the currency of the project's client, else the organization's
  (summaries sum amounts per currency: app/reports/grouping.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app import policies
from app.billing.rates import RateBook
from app.extensions import db
from app.models import Client, Membership, Organization, Project, Tag, Task, Team, TimeLog, User, time_log_tags
from app.reports.params import ReportParams
from app.timezones import start_of_day, to_local

CHUNK = 2000
CENT = Decimal("0.01")


@dataclass(slots=True)
class ReportRow:
    log_id: int
    day: date
    start: datetime  # local, naive
    end: datetime | None  # local, naive; None for a running timer
    seconds: int  # after rounding
    user: str
    team: str
    project: str
    client: str
    description: str
    billable: bool
    rate: Decimal | None
    amount: Decimal | None
    user_id: int
    project_id: int
    team_id: int | None
    client_id: int | None
    task: str = ""
    tags: str = ""  # the log's tag names, sorted, joined by ", "
    task_id: int | None = None
    currency: str = ""  # of rate and amount: the project's client's, else the organization's (issue 21)


def round_seconds(seconds: int, mode: str, minutes: int) -> int:
    """An entry's duration rounded up, down or to the nearest step (half up); 'none' keeps the seconds."""
    if mode == "none":
        return seconds
    step = minutes * 60
    if mode == "up":
        return -(-seconds // step) * step
    if mode == "down":
        return seconds // step * step
    return (seconds + step // 2) // step * step


def amount_for(seconds: int, rate: Decimal | None, billable: bool) -> Decimal | None:
    if rate is None or not billable:
        return None
    return (Decimal(seconds) * rate / 3600).quantize(CENT, rounding=ROUND_HALF_UP)


def _statement(params: ReportParams, user: User | None, as_of: datetime):
    zone = ZoneInfo(params.time_zone)
    start = start_of_day(params.start, zone)
    end = min(start_of_day(params.end + timedelta(days=1), zone), as_of)
    scope = policies.time_log_scope(user) if user is not None else select(TimeLog)
    logs = scope.where(TimeLog.organization_id == params.organization_id, TimeLog.start_time >= start,
                       TimeLog.start_time < end)
    if params.project_ids:
        logs = logs.where(TimeLog.project_id.in_(params.project_ids))
    if params.user_ids:
        logs = logs.where(TimeLog.user_id.in_(params.user_ids))
    if params.client_ids:
        logs = logs.where(TimeLog.project_id.in_(select(Project.id).where(Project.client_id.in_(params.client_ids))))
    if params.team_ids:
        logs = logs.where(TimeLog.project_id.in_(select(Project.id).where(Project.team_id.in_(params.team_ids))))
    if params.task_ids:
        logs = logs.where(TimeLog.task_id.in_(params.task_ids))
    if params.tag_ids:  # logs with any of the tags
        logs = logs.where(TimeLog.id.in_(select(time_log_tags.c.time_log_id).where(
            time_log_tags.c.tag_id.in_(params.tag_ids))))
    if params.billable != "all":
        logs = logs.where(TimeLog.billable.is_(params.billable == "billable"))
    return logs.subquery()


def count_rows(params: ReportParams, user: User | None, as_of: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(_statement(params, user, as_of)))


def _select(params: ReportParams, user: User | None, as_of: datetime):
    """The rows' one statement, in start order: the files read all of it, the report's page a window of it."""
    log = aliased(TimeLog, _statement(params, user, as_of))
    return (
        select(log.id, log.start_time, log.end_time, log.description, log.billable, log.user_id, log.project_id,
               User.name, Membership.removed_at, Project.name, Project.team_id, Team.name,
               Project.client_id, Client.name, Client.currency, log.task_id, Task.name, _tag_names(log))
        .join(User, User.id == log.user_id)
        .join(Membership, (Membership.user_id == log.user_id) & (Membership.organization_id == log.organization_id))
        .join(Project, Project.id == log.project_id)
        .outerjoin(Team, Team.id == Project.team_id)
        .outerjoin(Client, Client.id == Project.client_id)
        .outerjoin(Task, Task.id == log.task_id)
        .order_by(log.start_time, log.id)
    )


def iter_rows(params: ReportParams, user: User | None, as_of: datetime) -> Iterator[ReportRow]:
    """Every row, in start order, fetched CHUNK at a time (bounded memory whatever the count)."""
    zone = ZoneInfo(params.time_zone)
    query = _select(params, user, as_of)
    # its own connection: the caller commits progress on the session meanwhile, which must not end this
    # cursor (on PostgreSQL a server-side cursor lives only as long as its transaction)
    rates, currency = _pricing(params)
    with db.engine.connect() as conn:
        yield from _rows(conn.execute(query, execution_options={"yield_per": CHUNK}), params, zone, as_of, rates,
                         currency)


def _pricing(params: ReportParams) -> tuple[RateBook, str]:
    """The organization's rates (loaded once, resolved per row in memory) and its currency."""
    currency = db.session.scalar(select(Organization.currency).where(Organization.id == params.organization_id))
    return RateBook.load(params.organization_id), currency or "EUR"


def page_rows(params: ReportParams, user: User | None, as_of: datetime, offset: int, limit: int) -> list[ReportRow]:
    """The rows `offset` to `offset + limit` of iter_rows (LIMIT/OFFSET in SQL: a page of a large report)."""
    query = _select(params, user, as_of).limit(limit).offset(offset)
    rates, currency = _pricing(params)
    return list(_rows(db.session.execute(query), params, ZoneInfo(params.time_zone), as_of, rates, currency))


def _rows(result, params: ReportParams, zone, as_of: datetime, rates: RateBook,
          org_currency: str) -> Iterator[ReportRow]:
    for (log_id, started, ended, description, billable, user_id, project_id, user_name, removed_at, project_name,
         team_id, team_name, client_id, client_name, client_currency, task_id, task_name, tag_names) in result:
        until = ended or as_of
        seconds = round_seconds(max(0, int((until - started).total_seconds())), params.rounding,
                                params.rounding_minutes)
        local_start = to_local(started, zone).replace(tzinfo=None)
        rate = rates.billable(user_id, project_id, local_start.date())
        yield ReportRow(
            log_id=log_id, day=local_start.date(), start=local_start,
            end=to_local(ended, zone).replace(tzinfo=None) if ended else None, seconds=seconds,
            user=_("%(name)s (former member)", name=user_name) if removed_at is not None else user_name,
            team=team_name or "", project=project_name, client=client_name or "", description=description or "",
            billable=bool(billable), rate=rate, amount=amount_for(seconds, rate, bool(billable)),
            user_id=user_id, project_id=project_id, team_id=team_id, client_id=client_id,
            task=task_name or "", task_id=task_id,
            tags=", ".join(sorted(tag_names.split(TAG_SEPARATOR))) if tag_names else "",
            currency=client_currency or org_currency,
        )


TAG_SEPARATOR = "\x1f"  # cannot be in a tag name (names are single-spaced printable text)


def _tag_names(log):
    """A log's tag names in one column: group_concat on SQLite, string_agg on PostgreSQL (sorted in Python)."""
    names = select(Tag.name).join(time_log_tags, time_log_tags.c.tag_id == Tag.id).where(
        time_log_tags.c.time_log_id == log.id).correlate_except(Tag, time_log_tags)
    if db.engine.dialect.name == "postgresql":
        agg = func.string_agg(Tag.name, TAG_SEPARATOR)
    else:
        agg = func.group_concat(Tag.name, TAG_SEPARATOR)
    return names.with_only_columns(agg).scalar_subquery()
