"""What an hour is worth: the one resolver of rates (issue 21).

The rate for a time log is that of the most specific level with a rate effective on the log's day: member on
the project, then the project, then the member, then the organization's default. A level's rate on a day is
its row with the latest effective_from on or before that day; a row without an amount ends the level (the next
level applies). Billable and cost rates resolve apart.

RateBook loads an organization's rates once (one query) and resolves in memory, so a report over 100,000
entries makes no query per entry.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Rate, RateKind

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class _Step:
    since: date
    amount: Decimal | None


class RateBook:
    """An organization's rates, in memory: resolve(kind, user_id, project_id, day)."""

    def __init__(self, rates: Iterable[tuple]):
        levels: dict[tuple, list[tuple]] = {}
        # rows as (kind, user_id, project_id, effective_from, amount, id): the later row of one day wins
        for kind, user_id, project_id, since, amount, row_id in rates:
            levels.setdefault((kind, user_id, project_id), []).append((since, row_id, amount))
        self._levels: dict[tuple, tuple[list[date], list[Decimal | None]]] = {}
        for key, rows in levels.items():
            rows.sort(key=lambda r: (r[0], r[1]))
            days, amounts = [], []
            for since, _id, amount in rows:
                if days and days[-1] == since:
                    amounts[-1] = amount
                else:
                    days.append(since)
                    amounts.append(None if amount is None else Decimal(amount))
            self._levels[key] = (days, amounts)

    @classmethod
    def load(cls, organization_id: int) -> RateBook:
        rows = db.session.execute(select(Rate.kind, Rate.user_id, Rate.project_id, Rate.effective_from, Rate.amount,
                                         Rate.id).where(Rate.organization_id == organization_id))
        return cls(rows)

    def _on(self, key: tuple, day: date) -> tuple[bool, Decimal | None]:
        level = self._levels.get(key)
        if level is None:
            return False, None
        days, amounts = level
        i = bisect_right(days, day)
        if i == 0:
            return False, None
        return amounts[i - 1] is not None, amounts[i - 1]

    def resolve(self, kind: str, user_id: int | None, project_id: int | None, day: date) -> Decimal | None:
        """The rate of `kind` for an hour of user_id's time on project_id on `day`; None: no rate at any level."""
        for key in ((kind, user_id, project_id), (kind, None, project_id), (kind, user_id, None), (kind, None, None)):
            found, amount = self._on(key, day)
            if found:
                return amount
        return None

    def billable(self, user_id: int | None, project_id: int | None, day: date) -> Decimal | None:
        return self.resolve(RateKind.BILLABLE, user_id, project_id, day)

    def cost(self, user_id: int | None, project_id: int | None, day: date) -> Decimal | None:
        return self.resolve(RateKind.COST, user_id, project_id, day)


def amount(seconds: int, rate: Decimal | None) -> Decimal | None:
    """seconds x rate per hour, rounded to cents (half up); None without a rate."""
    if rate is None:
        return None
    return (Decimal(seconds) * rate / 3600).quantize(CENT, rounding=ROUND_HALF_UP)
