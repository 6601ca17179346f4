"""A project's revenue, cost and profit (issue 21), through the one resolver: revenue = billable rate x billable
hours, cost = cost rate x all hours, profit = revenue - cost; each log priced on its day (in the organization's
time zone) and rounded to cents, like report rows. Finished logs only. Amounts per currency (a project's time is
in one: its client's, else the organization's), never added across currencies."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.billing.money import PerCurrency
from app.billing.rates import RateBook, amount
from app.extensions import db
from app.models import Project, TimeLog
from app.timezones import to_local


@dataclass
class CurrencyFigures:
    currency: str
    revenue: Decimal = Decimal("0.00")
    cost: Decimal = Decimal("0.00")

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.cost


@dataclass
class ProjectFigures:
    hours: Decimal = Decimal("0.00")
    billable_hours: Decimal = Decimal("0.00")
    unpriced_entries: int = 0  # billable entries without a billable rate (no revenue counted for them)
    revenue: PerCurrency = field(default_factory=PerCurrency)
    cost: PerCurrency = field(default_factory=PerCurrency)

    def per_currency(self) -> list[CurrencyFigures]:
        revenue, cost = self.revenue.sums, self.cost.sums
        return [CurrencyFigures(c, revenue.get(c, Decimal("0.00")), cost.get(c, Decimal("0.00")))
                for c in sorted(set(revenue) | set(cost))]


def currency_of(project: Project) -> str:
    return project.client.money_currency if project.client is not None else project.organization.currency


def for_project(project: Project) -> ProjectFigures:
    rates = RateBook.load(project.organization_id)
    zone = ZoneInfo(project.organization.time_zone or "UTC")
    currency = currency_of(project)
    figures = ProjectFigures()
    seconds_all = seconds_billable = 0
    rows = db.session.execute(
        select(TimeLog.user_id, TimeLog.start_time, TimeLog.end_time, TimeLog.billable)
        .where(TimeLog.project_id == project.id, TimeLog.end_time.is_not(None)),
        execution_options={"yield_per": 2000})
    for user_id, started, ended, billable in rows:
        seconds = max(0, int((ended - started).total_seconds()))
        day = to_local(started, zone).date()
        seconds_all += seconds
        cost_rate = rates.cost(user_id, project.id, day)
        figures.cost.add(currency, amount(seconds, cost_rate))
        if billable:
            seconds_billable += seconds
            rate = rates.billable(user_id, project.id, day)
            if rate is None:
                figures.unpriced_entries += 1
            figures.revenue.add(currency, amount(seconds, rate))
    figures.hours = (Decimal(seconds_all) / 3600).quantize(Decimal("0.01"))
    figures.billable_hours = (Decimal(seconds_billable) / 3600).quantize(Decimal("0.01"))
    return figures
