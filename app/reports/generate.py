"""Generate one report file: count, then stream the rows through the grouper and the format's writer,
then close (summary, zip). Used by the report job (with a Report record) and `flask reports generate`.

    result = generate(params, user, organization, directory, base_name, as_of, on_progress)

on_progress(phase, done, total) is called at most every PROGRESS_INTERVAL seconds while writing (and
at each phase change); it may raise Canceled to stop, in which case the partial file is removed.

A range over more than one week also gets its Weekly tables (app/reports/weeks.py), from the same rows: after the
rows, the "weekly" phase (done and total count weeks) hands each week's tables to on_week(first day, tables) as it
is built, and Result.weekly holds them all ({"weeks": {first day's ISO date: tables}}); else Result.weekly is None.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from app.models import Organization, User
from app.reports import query
from app.reports.grouping import Grouper
from app.reports.params import ReportParams, describe
from app.reports.weeks import WeekTables, spans_weeks
from app.reports.writers.formats import Meta, open_writer
from app.timezones import to_local, utcnow

PROGRESS_INTERVAL = 0.25  # seconds: at most four updates a second


class Canceled(Exception):
    """The report was canceled while it ran."""


@dataclass
class Result:
    file_name: str
    rows: int
    size: int
    summary: dict
    weekly: dict | None = None


Progress = Callable[[str, int, int], None]
OnWeek = Callable[[date, dict], None]


def generate(params: ReportParams, user: User | None, organization: Organization, directory: Path,
             base_name: str, as_of: datetime, on_progress: Progress | None = None, title: str = "",
             on_week: OnWeek | None = None) -> Result:
    progress = on_progress or (lambda phase, done, total: None)
    directory.mkdir(parents=True, exist_ok=True)
    zone = ZoneInfo(params.time_zone)
    progress("counting", 0, 0)
    total = query.count_rows(params, user, as_of)
    title = title or _("Time report %(first)s to %(last)s", first=params.date_from, last=params.date_to)
    meta = Meta(title=title, organization=organization.name,
                currency=organization.currency or "EUR", parameters=describe(params), params=params,
                generated_at=to_local(utcnow(), zone).replace(tzinfo=None),
                as_of=to_local(as_of, zone).replace(tzinfo=None))
    writer = open_writer(params.format, directory, base_name, meta)
    grouper = Grouper(params.groups, organization.week_start or 0)
    week_start = organization.week_start or 0
    tables = WeekTables(params.start, params.end, week_start) if spans_weeks(params.start, params.end, week_start) \
        else None
    weekly = None
    done, last = 0, time.monotonic()
    progress("writing", 0, total)
    try:
        for row in query.iter_rows(params, user, as_of):
            writer.write(row)
            grouper.add(row)
            if tables is not None:
                tables.add(row)
            done += 1
            if time.monotonic() - last >= PROGRESS_INTERVAL:
                progress("writing", done, max(total, done))
                last = time.monotonic()
        if tables is not None:
            weekly = {"weeks": _weeks(tables, progress, on_week or (lambda first, week: None))}
        progress("finishing", done, max(total, done))
        summary = grouper.summary(meta.currency)
        file_name = writer.close(summary)
    except BaseException:
        writer.abort()
        _remove_partials(directory, base_name)
        raise
    return Result(file_name=file_name, rows=done, size=os.path.getsize(directory / file_name), summary=summary,
                  weekly=weekly)


def _weeks(tables: WeekTables, progress: Progress, on_week: OnWeek) -> dict[str, dict]:
    """Each week's tables in turn, handed to on_week as built; progress in weeks (throttled as the rows')."""
    firsts, built, last = tables.weeks(), {}, 0.0
    for done, first in enumerate(firsts):
        if time.monotonic() - last >= PROGRESS_INTERVAL:
            progress("weekly", done, len(firsts))
            last = time.monotonic()
        built[first.isoformat()] = week = tables.week(first)
        on_week(first, week)
    return built


def _remove_partials(directory: Path, base_name: str) -> None:
    for path in directory.glob(f"{base_name}*"):
        try:
            path.unlink()
        except OSError:
            pass
