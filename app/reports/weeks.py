"""The Weekly tables of a report: hours by day of every week of its range, a row per person and per project,
accumulated from the rows as the report's job reads them for its file (app/reports/generate.py: no second pass
over the database), then stored with the report (Report.weekly) so its Weekly tab reads them instead of a query.

    tables = WeekTables(params.start, params.end, week_start)
    for row in rows: tables.add(row)
    for first in tables.weeks(): tables.week(first)   # {"user": [[label, [7 seconds]]...], "project": [...]}

Memory grows with weeks x (people + projects), never with the rows.
"""
from __future__ import annotations

from datetime import date, timedelta

from app.reports.grouping import group_key, week_of
from app.reports.query import ReportRow

BY = ("user", "project")


def spans_weeks(start: date, end: date, week_start: int) -> bool:
    """Does a range reach over more than one week (the job stores Weekly tables only then)?"""
    return week_of(end, week_start) > week_of(start, week_start)


class WeekTables:
    def __init__(self, start: date, end: date, week_start: int = 0):
        self.start, self.end, self.week_start = start, end, week_start
        self._grid: dict[date, dict[str, dict[str, list]]] = {}  # week -> by -> sort key -> [label, [7 seconds]]

    def add(self, row: ReportRow) -> None:
        first = week_of(row.day, self.week_start)
        week = self._grid.get(first)
        if week is None:
            week = self._grid[first] = {by: {} for by in BY}
        index = (row.day - first).days
        for by in BY:
            key, label = group_key(row, by, self.week_start)
            line = week[by].get(key)
            if line is None:
                line = week[by][key] = [label, [0] * 7]
            line[1][index] += row.seconds

    def weeks(self) -> list[date]:
        """The first day of every week of the range, in order (a week without time too)."""
        first, last = week_of(self.start, self.week_start), week_of(self.end, self.week_start)
        return [first + timedelta(days=7 * i) for i in range((last - first).days // 7 + 1)]

    def week(self, first: date) -> dict[str, list]:
        """One week's tables as stored: {"user": [[label, [seconds of each day]]], "project": [...]}, sorted as
        the Weekly tab lists them."""
        week = self._grid.get(first, {})
        return {by: [week[by][key] for key in sorted(week.get(by, {}))] for by in BY}
