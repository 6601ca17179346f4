"""What a completed report shows on its page besides its stored summary (Report.summary, written by the job from
the same rows as its file): Detailed, a page of its entries, and Weekly, one week of hours by day per person or
project. Both read the report's rows through app.reports.query, the one data function of the files, with the
report's parameters, as of its `as_of` and in its owner's policy scope, so a viewer (a share link's too) sees
what the report holds, never more. Detailed pages in SQL (LIMIT/OFFSET), Weekly reads one week's rows: the page
stays fast for a report of any range."""
from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import policies
from app.extensions import db
from app.models import Report, ReportState, TimeLog, User
from app.reports import query
from app.reports.grouping import format_hours, week_of
from app.reports.params import ReportParams, date_span
from app.reports.weeks import WeekTables, spans_weeks
from app.time_tracking import locks
from app.web.form_filters import parse_id

PAGE_SIZE = 50
TABS = {"summary": _l("Summary"), "detailed": _l("Detailed"), "weekly": _l("Weekly")}
WEEKLY_BY = {"user": _l("People"), "project": _l("Projects")}


def context(report: Report, args, link, viewer: User | None = None) -> dict:
    """What reports/_views.html needs for the tab asked in the query string (`tab`, `page`, `week`, `by`); an
    unknown or malformed value falls back to the first tab, page or week. `link(**args)` makes the page's URLs.
    `viewer`: the signed-in person on the report's own page, whose Detailed rows link to edit the entries they may
    change (None on a share link's page: read-only)."""
    tab = args.get("tab") if args.get("tab") in TABS else "summary"
    view = None
    if report.status == ReportState.COMPLETED and tab == "detailed":
        view = detailed(report, min(parse_id(args.get("page")) or 1, 10**9), viewer)
    elif report.status == ReportState.COMPLETED and tab == "weekly":
        view = weekly(report, args.get("week"), args.get("by"))
    return {"tab": tab, "tabs": TABS, "view": view, "link": link, "weekly_by": WEEKLY_BY}


def detailed(report: Report, page: int, viewer: User | None = None) -> dict:
    params = ReportParams.from_dict(report.params)
    total = query.count_rows(params, report.user, report.as_of)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = query.page_rows(params, report.user, report.as_of, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    style = params.hours_format
    edits = editable(viewer, [r.log_id for r in rows]) if viewer is not None else {}
    return {
        "editable": viewer is not None,
        "page": page, "pages": pages, "total": total, "first": (page - 1) * PAGE_SIZE + 1 if total else 0,
        "has_amount": any(r.amount is not None for r in rows),
        "rows": [{"day": r.day.isoformat(), "start": r.start.strftime("%H:%M"),
                  "end": r.end.strftime("%H:%M") if r.end else _("running"), "hours": format_hours(r.seconds, style),
                  "user": r.user, "project": r.project, "client": r.client, "task": r.task, "tags": r.tags,
                  "description": r.description, "billable": r.billable,
                  "amount": "" if r.amount is None else str(r.amount), "log_id": r.log_id,
                  "can_edit": r.log_id in edits, "locked": edits.get(r.log_id)} for r in rows],
    }


def editable(viewer: User, log_ids: list[int]) -> dict[int, str | None]:
    """The entries among these the viewer may edit (app.policies, as on /time-logs): {id: None}, or {id: why it is
    locked} for one in an approved week, before the lock date or on a sent or paid invoice."""
    logs = db.session.scalars(select(TimeLog).where(TimeLog.id.in_(log_ids))).all() if log_ids else []
    allowed: dict[tuple[int, int], bool] = {}
    mine = []
    for log in logs:
        key = (log.user_id, log.organization_id)
        if key not in allowed:
            allowed[key] = policies.can_edit(viewer, log)
        if allowed[key]:
            mine.append(log)
    locked = locks.entries_locked(mine)
    return {log.id: locked.get(log.id) for log in mine}


def weekly(report: Report, week: str | None, by: str | None) -> dict:
    """One week (the report's first by default) of hours by day, a row per person or project: from the tables its
    job stored (Report.weekly, a report spanning weeks), else (one week, or a report completed before they were
    stored) read from its rows."""
    params = ReportParams.from_dict(report.params)
    by = by if by in WEEKLY_BY else "user"
    week_start = report.organization.week_start or 0
    first, last = week_of(params.start, week_start), week_of(params.end, week_start)
    try:
        chosen = week_of(date.fromisoformat(week or ""), week_start)
    except (ValueError, OverflowError):  # not a date, or a week before year 1
        chosen = first
    chosen = min(max(chosen, first), last)
    stored = (report.weekly or {}).get("weeks")
    if stored is not None:
        lines = stored.get(chosen.isoformat(), {}).get(by, [])
    else:
        lines = _read_week(report, params, chosen, by, week_start)
    return {**week_view(params, chosen, by, lines, first, last), "stored": stored is not None}


def _read_week(report: Report, params: ReportParams, chosen: date, by: str, week_start: int) -> list:
    """One week's [[label, [seconds of each day]]] read from the report's rows (one query)."""
    in_range = [d for d in (chosen + timedelta(days=i) for i in range(7)) if params.start <= d <= params.end]
    narrowed = ReportParams.from_dict({**params.to_dict(), "range": "custom", "date_from": in_range[0].isoformat(),
                                       "date_to": in_range[-1].isoformat()})
    tables = WeekTables(in_range[0], in_range[-1], week_start)
    for row in query.iter_rows(narrowed, report.user, report.as_of):
        tables.add(row)
    return tables.week(chosen)[by]


def week_view(params: ReportParams, chosen: date, by: str, lines: list, first: date | None = None,
              last: date | None = None) -> dict:
    """What reports/_week_table.html shows of one week's lines ([[label, [seconds of each day]]]), with the links
    to the weeks around it when `first` and `last` (the report's first and last weeks) are given."""
    days = [chosen + timedelta(days=i) for i in range(7)]
    style = params.hours_format

    def hours(seconds: int) -> str:
        return format_hours(seconds, style) if seconds else ""
    rows, day_totals = [], [0] * 7
    for label, seconds in lines:
        day_totals = [a + b for a, b in zip(day_totals, seconds, strict=True)]
        rows.append({"label": label, "cells": [hours(s) for s in seconds],
                     "total": format_hours(sum(seconds), style), "seconds": sum(seconds)})
    total = sum(day_totals)
    return {
        "by": by, "week": chosen.isoformat(), "title": date_span(days[0], days[-1]),
        "days": [{"iso": d.isoformat(), "name": format_date(d, "EEE dd", locale=get_locale() or "en"),
                  "in_range": params.start <= d <= params.end}
                 for d in days],
        "rows": rows, "day_totals": [hours(s) for s in day_totals], "total": format_hours(total, style),
        "seconds": total,
        "prev": (chosen - timedelta(days=7)).isoformat() if first is not None and chosen > first else None,
        "next": (chosen + timedelta(days=7)).isoformat() if last is not None and chosen < last else None,
    }


def streams_weeks(report: Report) -> bool:
    """Does the report's job compute (and stream) Weekly tables: a range over more than one week."""
    params = ReportParams.from_dict(report.params)
    return spans_weeks(params.start, params.end, report.organization.week_start or 0)
