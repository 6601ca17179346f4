"""Toggl Track: the Detailed report's CSV export (Reports > Detailed > Export > CSV).

User, Email, Client, Project, Task, Description, Billable (Yes/No), Start date, Start time, End date, End time,
Duration (H:MM:SS), Tags (comma-separated), Amount (...). Dates YYYY-MM-DD, times HH:MM:SS, in the exporter's zone.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.imports import values
from app.imports.formats.common import Context, cell, span
from app.imports.rows import Row

LABEL = _l("Toggl Track (detailed report CSV)")
COLUMNS = ("User", "Email", "Client", "Project", "Task", "Description", "Billable", "Start date", "Start time",
           "End date", "End time", "Duration", "Tags")
REQUIRED = ("Email", "Project", "Start date", "Start time")


def parse(line: int, record: dict, context: Context) -> Row:
    start, end = span(record, context, "Start date", "Start time", "End date", "End time", "Duration")
    return Row(line=line, start=start, end=end, email=cell(record, "Email").lower(), person=cell(record, "User"),
               project=cell(record, "Project"), client=cell(record, "Client"), task=cell(record, "Task"),
               description=cell(record, "Description"), tags=values.split_tags(cell(record, "Tags")),
               billable=values.parse_billable(cell(record, "Billable")))
