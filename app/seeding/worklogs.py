"""Time logs for one person: weekdays, working hours in their time zone, lunch, now and then a day off.

This is the hot loop of a million-row seed, so it stays plain: a few rng calls per log, rows built
as tuples in TIME_LOG_COLUMNS order, no Faker (descriptions come from a pool made once per run).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from app.timezones import to_local, to_utc

TIME_LOG_COLUMNS = (
    "organization_id", "user_id", "project_id", "start_time", "end_time", "duration_minutes", "description",
    "billable", "created_at", "updated_at",
)
DURATIONS = [15, 30, 30, 45, 45, 60, 60, 60, 90, 90, 120, 120, 150, 180, 240]  # minutes, weighted by repetition
GAPS = [0, 0, 0, 5, 5, 10, 15, 20, 30]
DAY_OFF_SHARE = 0.05


@dataclass(frozen=True)
class LogProject:
    id: int
    billable: bool
    active: bool


class Calendar:
    """Working days per time zone, each as the naive-UTC origin of its wall-clock hours; cached per run."""

    def __init__(self, now: datetime, days: int):
        self.now = now
        self.days = days
        self._cache: dict[str, list[datetime]] = {}

    def workdays(self, zone_name: str) -> list[datetime]:
        if zone_name not in self._cache:
            zone = ZoneInfo(zone_name)
            today = to_local(self.now, zone).date()
            self._cache[zone_name] = [
                _workday_origin(day, zone)
                for day in (today - timedelta(days=n) for n in range(self.days - 1, -1, -1))
                if day.weekday() < 5
            ]
        return self._cache[zone_name]


def _workday_origin(day: date, zone: tzinfo) -> datetime:
    """Local midnight as naive UTC, at the day's midday offset: the working hours count from it, so
    origin + 9 h is 09:00 local even on a day whose clocks changed overnight."""
    return to_utc(day, time(12), zone) - timedelta(hours=12)


def user_logs(rng: random.Random, organization_id: int, user_id: int, workdays: list[datetime],
              pool: list[LogProject], descriptions: list[str], now: datetime, running: bool) -> list[tuple]:
    """Every log of one person up to `now`; with `running`, the last one is a timer still running."""
    rows: list[tuple] = []
    if not pool:
        return rows
    # rnd() * len indexing instead of rng.choice(): a quarter of the cost, and as deterministic.
    rnd, minutes, append = rng.random, timedelta(minutes=1), rows.append
    n_pool, n_desc, n_dur, n_gap = len(pool), len(descriptions), len(DURATIONS), len(GAPS)
    for midnight in workdays:
        if rnd() < DAY_OFF_SHARE:
            continue
        t = 470 + int(rnd() * 100)  # 07:50 to 09:30 local
        stop_at = 990 + int(rnd() * 120)  # 16:30 to 18:30 local
        lunch = False
        while t < stop_at:
            if not lunch and t >= 720:
                t += 30 + int(rnd() * 31)
                lunch = True
                continue
            start = midnight + t * minutes
            if start >= now:
                break
            duration = DURATIONS[int(rnd() * n_dur)]
            end = start + duration * minutes
            project = pool[int(rnd() * n_pool)]
            append((organization_id, user_id, project.id, start, end, duration, descriptions[int(rnd() * n_desc)],
                    project.billable, end, end))
            t += duration + GAPS[int(rnd() * n_gap)]
    in_progress = rows.pop() if rows and rows[-1][4] > now else None  # logs never overlap: only the last can
    if running:
        timer = _running_timer(rng, rows, in_progress, pool, descriptions, now)
        if timer is not None:
            rows.append(timer)
    return rows


def _running_timer(rng: random.Random, rows: list[tuple], in_progress: tuple | None, pool: list[LogProject],
                   descriptions: list[str], now: datetime) -> tuple | None:
    """The log in progress at `now`, still running; else a timer started up to three hours ago, after
    the person's last log. Always on an active project (an archived one cannot be timed)."""
    active = [p for p in pool if p.active]
    if not active:
        return None
    if in_progress is not None:
        organization_id, user_id, project_id, start, _end, _minutes, description, billable, _c, _u = in_progress
        if not any(p.id == project_id for p in active):
            project = rng.choice(active)
            project_id, billable = project.id, project.billable
        return (organization_id, user_id, project_id, start, None, None, description, billable, start, start)
    if not rows:
        return None
    organization_id, user_id = rows[-1][0], rows[-1][1]
    last_end = rows[-1][4]
    start = max(now - timedelta(minutes=rng.randint(5, 180)), last_end + timedelta(minutes=rng.choice(GAPS)))
    if start >= now:
        start = last_end
    if start >= now:
        return None
    project = rng.choice(active)
    return (organization_id, user_id, project.id, start, None, None, rng.choice(descriptions), project.billable,
            start, start)
