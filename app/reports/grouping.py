"""Groups and subtotals of a report, one or two levels, accumulated row by row (memory grows with the
number of groups, never with the number of rows)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _

from app.billing.money import PerCurrency
from app.reports.query import ReportRow


def group_key(row: ReportRow, level: str, week_start: int = 0) -> tuple[str, str]:
    """(sort key, label) of a row's group at one level."""
    if level == "project":
        return row.project.lower(), row.project
    if level == "client":
        return (row.client or "\uffff").lower(), row.client or _("(no client)")
    if level == "user":
        return row.user.lower(), row.user
    if level == "team":
        return (row.team or "\uffff").lower(), row.team or _("(no team)")
    if level == "task":
        return (row.task or "\uffff").lower(), row.task or _("(no task)")
    if level == "tag":  # a log's tags together: a log counts once, so groups add up to the total
        return (row.tags or "\uffff").lower(), row.tags or _("(no tag)")
    if level == "day":
        return row.day.isoformat(), row.day.isoformat()
    if level == "week":
        first = week_of(row.day, week_start)
        return first.isoformat(), _("Week of %(day)s", day=first.isoformat())
    if level == "month":
        return row.day.strftime("%Y-%m"), row.day.strftime("%Y-%m")
    raise ValueError(level)


def week_of(day: date, week_start: int = 0) -> date:
    first_weekday = 0 if week_start == 0 else 6
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


class Totals:
    """Seconds, entries and amounts, the amounts summed per currency (never added across currencies)."""
    __slots__ = ("seconds", "amounts", "rows")

    def __init__(self):
        self.seconds, self.amounts, self.rows = 0, PerCurrency(), 0

    @property
    def has_amount(self) -> bool:
        return bool(self.amounts)

    def add(self, row: ReportRow) -> None:
        self.seconds += row.seconds
        self.rows += 1
        self.amounts.add(row.currency, row.amount)

    def as_dict(self, label: str = "", currency: str = "") -> dict:
        """amount: the plain sum when every amount is in the report's currency, else each currency's sum with its
        code ('1200.00 EUR; 300.00 USD'); amounts: {currency: sum}."""
        return {"label": label, "seconds": self.seconds, "rows": self.rows,
                "amount": self.amounts.text(currency), "amounts": self.amounts.as_strings(currency)}


class Grouper:
    """Totals overall and per group (and per subgroup with two levels)."""

    def __init__(self, levels: list[str], week_start: int = 0):
        self.levels = levels
        self.week_start = week_start
        self.total = Totals()
        self.groups: dict[tuple, tuple[str, Totals, dict]] = {}

    def add(self, row: ReportRow) -> None:
        self.total.add(row)
        node = self.groups
        for level in self.levels:
            key, label = group_key(row, level, self.week_start)
            if key not in node:
                node[key] = (label, Totals(), {})
            _label, totals, children = node[key]
            totals.add(row)
            node = children

    def summary(self, currency: str) -> dict:
        """JSON-safe: the groups in order with their subgroups, and the total (Report.summary)."""
        def walk(node: dict) -> list[dict]:
            out = []
            for key in sorted(node):
                label, totals, children = node[key]
                item = totals.as_dict(label, currency)
                if children:
                    item["children"] = walk(children)
                out.append(item)
            return out

        return {"levels": self.levels, "groups": walk(self.groups), "total": self.total.as_dict(_("Total"), currency),
                "currency": currency, "has_amount": self.total.has_amount}


def format_hours(seconds: int, style: str) -> str:
    """h:mm (minutes rounded half up) or decimal hours with two decimals."""
    if style == "decimal":
        return f"{Decimal(seconds) / 3600:.2f}"
    minutes = (seconds + 30) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"
