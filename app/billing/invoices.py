"""Invoices (issue 21 C): a draft from a client's approved billable time in a period, edited, then sent (numbered
without gaps), paid or void. Each call joins the caller's transaction and sends events.invoice_changed inside it
(the audit trail records each transition); the caller commits.

A draft gathers the client's projects' finished, billable entries whose local day (their person's time zone) is in
the period, in an approved week of their person, and on no other invoice that is not void (drafts included, so two
drafts never bill one entry). Entries are grouped by project, task or person, and within a group by rate (the
RateBook's billable rate on the entry's day in the organization's time zone, as the project figures): one line
each, hours rounded to 0.01, amount = hours x rate rounded to cents. Entries without a billable rate are left out
(counted, so the page can say so).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.billing import events
from app.billing.money import PerCurrency
from app.billing.rates import CENT, RateBook
from app.extensions import db
from app.models import (
    ApprovalStatus,
    Client,
    Invoice,
    InvoiceCounter,
    InvoiceError,
    InvoiceGrouping,
    InvoiceLine,
    InvoiceStatus,
    Project,
    Task,
    TimeLog,
    User,
    WeekApproval,
    invoice_entries,
)
from app.timezones import to_local, week_first_day

DESCRIPTION_MAX = 300
NOTES_MAX = 4000
TAX_MAX = Decimal("100")


@dataclass
class Drafted:
    invoice: Invoice
    unpriced: int  # billable approved entries left out for want of a billable rate


def invoiced_log_ids(organization_id: int):
    """A select of the ids of the organization's time logs on an invoice that is not void."""
    return (select(invoice_entries.c.time_log_id)
            .join(InvoiceLine, InvoiceLine.id == invoice_entries.c.line_id)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(Invoice.organization_id == organization_id, Invoice.status != InvoiceStatus.VOID.value))


def billable_entries(client: Client, period_from: date, period_to: date) -> list[TimeLog]:
    """The client's approved, billable, finished entries in the period that no other live invoice bills."""
    organization = client.organization
    approved = set(db.session.execute(select(WeekApproval.user_id, WeekApproval.week_start).where(
        WeekApproval.organization_id == organization.id, WeekApproval.status == ApprovalStatus.APPROVED.value)))
    candidates = db.session.scalars(
        select(TimeLog).join(Project, Project.id == TimeLog.project_id)
        .where(Project.client_id == client.id, TimeLog.organization_id == organization.id,
               TimeLog.billable.is_(True), TimeLog.end_time.is_not(None),
               # a day of slack each side: the local day is decided below, in the person's zone
               TimeLog.start_time >= datetime.combine(period_from - timedelta(days=1), time.min),
               TimeLog.start_time < datetime.combine(period_to + timedelta(days=2), time.min),
               TimeLog.id.not_in(invoiced_log_ids(organization.id)))
        .order_by(TimeLog.start_time, TimeLog.id))
    people: dict[int, User] = {}
    chosen = []
    for log in candidates:
        person = people.setdefault(log.user_id, db.session.get(User, log.user_id))
        day = to_local(log.start_time, person.zone).date()
        if period_from <= day <= period_to and (log.user_id, week_first_day(day, organization.week_start)) in approved:
            chosen.append(log)
    return chosen


def _label(log: TimeLog, grouping: InvoiceGrouping, names: dict) -> str:
    if grouping == InvoiceGrouping.PERSON:
        return names.setdefault(("user", log.user_id), db.session.get(User, log.user_id).name)
    project = names.setdefault(("project", log.project_id), db.session.get(Project, log.project_id).name)
    if grouping == InvoiceGrouping.TASK:
        task = db.session.get(Task, log.task_id) if log.task_id else None
        return f"{project} / {task.name if task else _('no task')}"
    return project


def date_span_day(day: date) -> str:
    """A day as a message says it ("02 Mar 2026"), its month's name in the current language."""
    return format_date(day, "dd MMM y", locale=get_locale() or "en")


def line_amount(hours: Decimal, rate: Decimal) -> Decimal:
    return (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def draft(client: Client, period_from: date, period_to: date, grouping: InvoiceGrouping, *, actor: User | None,
          ) -> Drafted:
    """A draft invoice to the client for the period; InvoiceError when it would have no line."""
    if period_to < period_from:
        raise InvoiceError(_("The period ends before it starts."))
    organization = client.organization
    rates = RateBook.load(organization.id)
    zone = ZoneInfo(organization.time_zone or "UTC")
    groups: dict[tuple[str, Decimal], list[TimeLog]] = {}
    names: dict = {}
    unpriced = 0
    for log in billable_entries(client, period_from, period_to):
        rate = rates.billable(log.user_id, log.project_id, to_local(log.start_time, zone).date())
        if rate is None:
            unpriced += 1
            continue
        groups.setdefault((_label(log, grouping, names), rate), []).append(log)
    if not groups:
        raise InvoiceError(_("%(client)s has no approved billable time with a rate from %(first)s to %(last)s that is "
                             "not on another invoice.", client=client.name, first=date_span_day(period_from),
                             last=date_span_day(period_to)))
    invoice = Invoice(organization_id=organization.id, client_id=client.id, client=client, organization=organization,
                      period_from=period_from, period_to=period_to, grouping=grouping.value,
                      currency=client.money_currency, tax_rate=Decimal("0.00"), notes="")
    db.session.add(invoice)
    for position, ((label, rate), logs) in enumerate(sorted(groups.items(), key=lambda g: (g[0][0], g[0][1]))):
        seconds = sum(log.elapsed_seconds() for log in logs)
        hours = (Decimal(seconds) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)
        line = InvoiceLine(position=position, description=label[:DESCRIPTION_MAX], hours=hours, rate=rate,
                           amount=line_amount(hours, rate))
        invoice.lines.append(line)
        db.session.flush()
        db.session.execute(invoice_entries.insert(), [{"line_id": line.id, "time_log_id": log.id} for log in logs])
    events.invoice_changed.send(None, invoice=invoice, action="create", actor=actor)
    return Drafted(invoice, unpriced)


def update(invoice: Invoice, *, tax_rate: Decimal, notes: str, due_on: date | None) -> None:
    invoice.check_draft()
    invoice.tax_rate, invoice.notes, invoice.due_on = tax_rate, notes, due_on


def rename_line(line: InvoiceLine, description: str) -> None:
    line.invoice.check_draft()
    line.description = description


def remove_line(line: InvoiceLine) -> None:
    """The line goes, and its entries are free for another invoice."""
    line.invoice.check_draft()
    db.session.execute(delete(invoice_entries).where(invoice_entries.c.line_id == line.id))
    line.invoice.lines.remove(line)  # delete-orphan: the line goes at the next flush


def delete_draft(invoice: Invoice, *, actor: User | None) -> None:
    """A draft is deleted (it has no number, so no gap is left); a sent invoice is voided instead."""
    invoice.check_draft("deleted (void a sent invoice)")
    events.invoice_changed.send(None, invoice=invoice, action="delete", actor=actor)
    db.session.delete(invoice)


def next_number(organization_id: int, year: int) -> str:
    """The organization's next number in `year`: its counter row (created if missing, a concurrent creation
    ignored) locked with SELECT ... FOR UPDATE on PostgreSQL (SQLite serializes writers) until the caller's
    transaction ends, so two sends never take one number and a rolled back send leaves no gap."""
    table = InvoiceCounter.__table__
    locked = select(table.c.last).where(table.c.organization_id == organization_id, table.c.year == year) \
        .with_for_update()
    last = db.session.scalar(locked)
    if last is None:  # the year's first number: create the row (a concurrent creation wins quietly), then lock it
        insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.session.execute(insert(table).values(organization_id=organization_id, year=year, last=0)
                           .on_conflict_do_nothing())
        last = db.session.scalar(locked)
    last += 1
    db.session.execute(sql_update(table).where(table.c.organization_id == organization_id, table.c.year == year)
                       .values(last=last))
    return f"{year}-{last:04d}"


def send(invoice: Invoice, *, actor: User | None, today: date | None = None) -> None:
    """Number the draft and mark it sent: its entries are locked from now on."""
    today = today or date.today()
    invoice.check_draft("sent")
    if not invoice.lines:
        raise InvoiceError(_("This draft has no lines: there is nothing to send."))
    invoice.send(next_number(invoice.organization_id, today.year), today)
    events.invoice_changed.send(None, invoice=invoice, action="send", actor=actor)


def mark_paid(invoice: Invoice, *, actor: User | None) -> None:
    invoice.mark_paid()
    events.invoice_changed.send(None, invoice=invoice, action="paid", actor=actor)


def void(invoice: Invoice, *, actor: User | None) -> None:
    """Void a sent or paid invoice: it keeps its number, its entries are released (editable, billable again)."""
    invoice.void()
    events.invoice_changed.send(None, invoice=invoice, action="void", actor=actor)


@dataclass
class ClientInvoices:
    client: Client
    invoices: list[Invoice]
    outstanding: PerCurrency


def by_client(organization_ids: list[int]) -> list[ClientInvoices]:
    """The organizations' invoices per client (newest first), with what is outstanding (sent, not paid) per
    currency: never added across currencies."""
    invoices = db.session.scalars(select(Invoice).where(Invoice.organization_id.in_(organization_ids))
                                  .order_by(Invoice.created_at.desc(), Invoice.id.desc()))
    groups: dict[int, ClientInvoices] = {}
    for invoice in invoices:
        group = groups.setdefault(invoice.client_id, ClientInvoices(invoice.client, [], PerCurrency()))
        group.invoices.append(invoice)
        if invoice.outstanding:
            group.outstanding.add(invoice.currency, invoice.total)
    return sorted(groups.values(), key=lambda g: (g.client.name.lower(), g.client.id))
