"""Locked time (issue 21 B): a person's week approved in an organization, and the days before the organization's
lock date ("nothing before this date changes"). The state of a week is read here (the timesheet shows it;
app/approvals changes it), and check_unlocked() is the one guard every path that writes time calls, from its
service (entries, timers, the timesheet through entries, undo, imports): it raises TimeLocked with a message that
names the lock.

An entry on a sent or paid invoice (app/billing/invoices.py) is locked too, until the invoice is void.

Days are the person's local days (their time zone), as on the timesheet; weeks start on the organization's week
start. An entry touches every local day from its start to its end (a running timer: to now).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import (
    ApprovalStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Organization,
    TimeLog,
    TimeLogError,
    User,
    WeekApproval,
    invoice_entries,
    utcnow,
)
from app.timezones import to_local, week_first_day


class TimeLocked(TimeLogError):
    """Time in an approved week or before the organization's lock date; the message names the lock."""


def timesheet_organization_id(person: User) -> int | None:
    """The organization whose weeks the person's timesheet shows by default (their first; `?org=` picks another,
    each organization having its own weeks)."""
    organization_ids = sorted(m.organization_id for m in person.memberships)
    return organization_ids[0] if organization_ids else None


def week_approval(organization_id: int | None, user_id: int, first: date) -> WeekApproval | None:
    if organization_id is None:
        return None
    return db.session.scalar(select(WeekApproval).where(
        WeekApproval.organization_id == organization_id, WeekApproval.user_id == user_id,
        WeekApproval.week_start == first))


def week_status(approval: WeekApproval | None) -> ApprovalStatus:
    return approval.status_enum if approval is not None else ApprovalStatus.OPEN


def _first_day(day: date, week_start: int) -> date:
    """As timesheet.first_day (which imports this module's callers)."""
    return week_first_day(day, week_start)


def _week_label(first: date, week_start: int) -> str:
    year, week, _weekday = (first if week_start == 0 else first + timedelta(days=1)).isocalendar()
    return f"{year}-W{week:02d}"


def days_of(person: User, start: datetime, end: datetime | None) -> list[date]:
    """The person's local days an entry from `start` to `end` (naive UTC; None: running, to now) touches."""
    first = to_local(start, person.zone).date()
    last = max(first, to_local(end or utcnow(), person.zone).date())
    return [first + timedelta(days=i) for i in range(min((last - first).days, 366) + 1)]


@dataclass
class Locks:
    """An organization's locks, loaded once (for many rows: an import)."""
    organization: Organization
    approved: set[tuple[int, date]] = field(default_factory=set)  # (user id, week's first day)

    def problem(self, user_id: int, days: Iterable[date]) -> str | None:
        """Why these days of this person cannot change, or None."""
        for day in sorted(set(days)):
            lock = self.day_lock(user_id, day)
            if lock is not None:
                return lock.reason
        return None

    def day_lock(self, user_id: int, day: date) -> DayLock | None:
        """What locks this day of this person, or None."""
        lock_date = self.organization.lock_date
        if lock_date is not None and day < lock_date:
            return DayLock(LOCK_DATE, _("%(day)s is locked: %(organization)s changes nothing before %(date)s (its lock "
                                        "date).", day=day.strftime("%a %d %b %Y"), organization=self.organization.name,
                                        date=lock_date.strftime("%d %b %Y")))
        first = _first_day(day, self.organization.week_start)
        if (user_id, first) in self.approved:
            return DayLock(APPROVED, _("Week %(week)s is approved and locked: an owner can unlock it.",
                                       week=_week_label(first, self.organization.week_start)))
        return None


APPROVED, LOCK_DATE, INVOICED = "approved", "lock_date", "invoiced"


@dataclass(frozen=True)
class DayLock:
    """Why a day (or an entry) cannot change: its kind (APPROVED, LOCK_DATE, INVOICED) and the guard's message."""
    kind: str
    reason: str


def locks_of(organization_id: int, user_ids: Iterable[int] | None = None) -> Locks:
    organization = db.session.get(Organization, organization_id)
    query = select(WeekApproval.user_id, WeekApproval.week_start).where(
        WeekApproval.organization_id == organization_id, WeekApproval.status == ApprovalStatus.APPROVED.value)
    if user_ids is not None:
        query = query.where(WeekApproval.user_id.in_(list(user_ids)))
    return Locks(organization, {(user_id, first) for user_id, first in db.session.execute(query)})


def invoiced_problem(log_id: int) -> str | None:
    """Why an entry on a sent or paid invoice cannot change (issue 21 C), or None (on no invoice, a draft or a
    void one: voiding releases it)."""
    return invoiced_problems([log_id]).get(log_id)


def invoiced_problems(log_ids: Iterable[int]) -> dict[int, str]:
    """invoiced_problem() for many entries in one query: {entry id: why}, for those on a sent or paid invoice."""
    log_ids = list(log_ids)
    if not log_ids:
        return {}
    rows = db.session.execute(
        select(invoice_entries.c.time_log_id, Invoice.number, Invoice.status)
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .join(invoice_entries, invoice_entries.c.line_id == InvoiceLine.id)
        .where(invoice_entries.c.time_log_id.in_(log_ids),
               Invoice.status.in_([InvoiceStatus.SENT.value, InvoiceStatus.PAID.value]))
        .order_by(invoice_entries.c.time_log_id, Invoice.id))
    problems: dict[int, str] = {}
    for log_id, number, status in rows:
        problems.setdefault(log_id, _invoiced_message(number, status))
    return problems


def _invoiced_message(number: str, status: str) -> str:
    if status == InvoiceStatus.SENT.value:
        return _("This entry is on invoice %(number)s, sent: an owner must void the invoice to change it.",
                 number=number)
    return _("This entry is on invoice %(number)s, paid: an owner must void the invoice to change it.",
             number=number)  # the query finds sent or paid invoices only


def locked_days(person: User, organization_ids: Iterable[int], days: Iterable[date]) -> dict[tuple[int, date],
                                                                                            DayLock]:
    """What locks each of these local days of the person, per organization (what the timesheet shows read-only
    before anyone types): {(organization id, day): DayLock}, for the locked ones. A query or two per organization."""
    days = list(days)
    found: dict[tuple[int, date], DayLock] = {}
    for organization_id in sorted(set(organization_ids)):
        book = locks_of(organization_id, [person.id])
        for day in days:
            lock = book.day_lock(person.id, day)
            if lock is not None:
                found[(organization_id, day)] = lock
    return found


def check_unlocked(person: User, organization_id: int, days: Iterable[date], log_id: int | None = None) -> None:
    """The one guard: TimeLocked when any of these local days of the person is locked in the organization, or when
    the existing entry log_id is on a sent or paid invoice."""
    problem = (invoiced_problem(log_id) if log_id is not None else None) or \
        locks_of(organization_id, [person.id]).problem(person.id, days)
    if problem:
        raise TimeLocked(problem)


def check_log(log: TimeLog) -> None:
    """check_unlocked() for the days an existing (or restored) entry touches, in its owner's zone."""
    person = db.session.get(User, log.user_id)
    check_unlocked(person, log.organization_id, days_of(person, log.start_time, log.end_time), log_id=log.id)


def entries_locked(logs: Iterable[TimeLog]) -> dict[int, str]:
    """Why each of these existing entries cannot change, for the locked ones: {entry id: the guard's message}, as
    check_log() would raise it (a sent or paid invoice first, then the lock date or an approved week). For a page of
    entries (a report's Detailed tab): a query for the invoices, one or two per organization."""
    logs = list(logs)
    found = invoiced_problems(log.id for log in logs)
    books: dict[int, Locks] = {}
    for log in logs:
        if log.id in found:
            continue
        if log.organization_id not in books:
            books[log.organization_id] = locks_of(log.organization_id, {entry.user_id for entry in logs})
        problem = books[log.organization_id].problem(log.user_id, days_of(log.user, log.start_time, log.end_time))
        if problem:
            found[log.id] = problem
    return found
