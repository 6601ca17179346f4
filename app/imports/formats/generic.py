"""Any CSV, with a mapping the person chooses: which column holds the date, the start, the end or the duration,
the project, client, task, description, e-mail, tags and billable.

Start and end are times of day (with the date column) or full dates and times (an offset such as +01:00 or Z is
the file's own zone); without a start, entries are stacked from 09:00 like Harvest's; without an end, start +
duration.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.imports import values
from app.imports.formats.common import Context, cell
from app.imports.rows import Row

LABEL = _l("Generic CSV (choose the columns)")
COLUMNS = ()  # never detected: chosen
FIELDS = ("date", "start", "end", "duration", "project", "client", "task", "description", "email", "tags",
          "billable")
REQUIRED_FIELDS = ("project", "email")


def _moment(record: dict, column: str, day, context: Context, what: str) -> datetime:
    text = cell(record, column)
    if day is not None and values.CLOCK.match(text.split(" ")[0]) and "-" not in text:
        return values.local(day, values.parse_time(text, what), context.zone)
    return values.parse_datetime(text, context.zone, what)


def parse(line: int, record: dict, context: Context) -> Row:
    columns = context.mapping
    value = lambda name: cell(record, columns[name]) if columns.get(name) else ""  # noqa: E731
    day = values.parse_date(value("date")) if value("date") else None
    email = value("email").lower()
    if value("start"):
        start = _moment(record, columns["start"], day, context, "start")
        if value("end"):
            end = _moment(record, columns["end"], day or start.date(), context, "end")
        elif value("duration"):
            end = start + values.parse_duration(value("duration"))
        else:
            raise ValueError(_("the row has neither an end nor a duration"))
    elif day is not None and value("duration"):
        start, end = context.stacked(email, day, values.parse_duration(value("duration")))
    else:
        raise ValueError(_("the row has no start (or a date and a duration)"))
    return Row(line=line, start=start, end=end, email=email, project=value("project"), client=value("client"),
               task=value("task"), description=value("description"), tags=values.split_tags(value("tags")),
               billable=values.parse_billable(value("billable")) if columns.get("billable") else True)
