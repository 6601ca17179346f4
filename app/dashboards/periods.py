"""Reporting windows ("today", "this week", "this month", the last 14 days) in a time zone, as naive-UTC bounds.

A log counts in the window its start falls in (as most time trackers book it): a log started at
23:30 local time on Sunday belongs to that Sunday and that week, even if it ran past midnight.
Weeks start on Monday. Local midnights are built in the zone, so DST changes shift the UTC bounds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from app.timezones import start_of_day, to_local, utcnow


@dataclass(frozen=True)
class Periods:
    zone: tzinfo
    now: datetime  # naive UTC
    today: datetime
    tomorrow: datetime
    week: datetime
    month: datetime
    day_starts: tuple[datetime, ...]  # oldest first; each day is [day_starts[i], day_starts[i+1] or tomorrow)
    day_labels: tuple[str, ...]
    days: tuple[str, ...] = ()  # the same days as ISO dates, which pages write in their reader's language

    @property
    def earliest(self) -> datetime:
        return min(self.month, self.week, self.day_starts[0])

    def day_bounds(self) -> list[tuple[datetime, datetime]]:
        ends = self.day_starts[1:] + (self.tomorrow,)
        return list(zip(self.day_starts, ends, strict=True))

    def day_index(self, start: datetime) -> int | None:
        for i, (lo, hi) in enumerate(self.day_bounds()):
            if lo <= start < hi:
                return i
        return None

    def local(self, value: datetime, fmt: str = "%a %H:%M") -> str:
        return to_local(value, self.zone).strftime(fmt)

    def local_iso(self, value: datetime) -> str:
        """A moment as local wall-clock ISO text, which a page writes in its reader's language (formats.strftime)."""
        return to_local(value, self.zone).replace(tzinfo=None).isoformat(timespec="minutes")


def periods(zone: tzinfo = UTC, now: datetime | None = None, days: int = 14) -> Periods:
    now = now or utcnow()
    today = to_local(now, zone).date()
    week = today - timedelta(days=today.weekday())
    dates = [today - timedelta(days=i) for i in range(days - 1, -1, -1)]
    return Periods(
        zone=zone, now=now, today=start_of_day(today, zone), tomorrow=start_of_day(today + timedelta(days=1), zone),
        week=start_of_day(week, zone), month=start_of_day(today.replace(day=1), zone),
        day_starts=tuple(start_of_day(d, zone) for d in dates), day_labels=tuple(d.strftime("%d %b") for d in dates),
        days=tuple(d.isoformat() for d in dates),
    )
