"""Generate one report file: count, then stream the rows through the grouper and the format's writer,
then close (summary, zip). Used by the report job (with a Report record) and `flask reports generate`.

    result = generate(params, user, organization, directory, base_name, as_of, on_progress)

on_progress(phase, done, total) is called at most every PROGRESS_INTERVAL seconds while writing (and
at each phase change); it may raise Canceled to stop, in which case the partial file is removed.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.models import Organization, User
from app.reports import query
from app.reports.grouping import Grouper
from app.reports.params import ReportParams, describe
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


Progress = Callable[[str, int, int], None]


def generate(params: ReportParams, user: User | None, organization: Organization, directory: Path,
             base_name: str, as_of: datetime, on_progress: Progress | None = None, title: str = "") -> Result:
    progress = on_progress or (lambda phase, done, total: None)
    directory.mkdir(parents=True, exist_ok=True)
    zone = ZoneInfo(params.time_zone)
    progress("counting", 0, 0)
    total = query.count_rows(params, user, as_of)
    meta = Meta(title=title or f"Time report {params.date_from} to {params.date_to}", organization=organization.name,
                currency=organization.currency or "EUR", parameters=describe(params), params=params,
                generated_at=to_local(utcnow(), zone).replace(tzinfo=None),
                as_of=to_local(as_of, zone).replace(tzinfo=None))
    writer = open_writer(params.format, directory, base_name, meta)
    grouper = Grouper(params.groups, organization.week_start or 0)
    done, last = 0, time.monotonic()
    progress("writing", 0, total)
    try:
        for row in query.iter_rows(params, user, as_of):
            writer.write(row)
            grouper.add(row)
            done += 1
            if time.monotonic() - last >= PROGRESS_INTERVAL:
                progress("writing", done, max(total, done))
                last = time.monotonic()
        progress("finishing", done, max(total, done))
        summary = grouper.summary(meta.currency)
        file_name = writer.close(summary)
    except BaseException:
        writer.abort()
        _remove_partials(directory, base_name)
        raise
    return Result(file_name=file_name, rows=done, size=os.path.getsize(directory / file_name), summary=summary)


def _remove_partials(directory: Path, base_name: str) -> None:
    for path in directory.glob(f"{base_name}*"):
        try:
            path.unlink()
        except OSError:
            pass
