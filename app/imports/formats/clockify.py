"""Clockify: the Detailed report's CSV export (Reports > Detailed > Export > Save as CSV).

Project, Client, Description, Task, User, Group, Email, Tags, Billable (Yes/No), Start Date, Start Time, End Date,
End Time, Duration (h) (H:MM:SS), Duration (decimal), Billable Rate (...), Billable Amount (...). Dates MM/DD/YYYY
(or YYYY-MM-DD), times 12-hour ("09:00:00 AM") or 24-hour, in the exporter's zone.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.imports import values
from app.imports.formats.common import Context, cell, span
from app.imports.rows import Row

LABEL = _l("Clockify (detailed report CSV)")
COLUMNS = ("Project", "Client", "Description", "Task", "User", "Group", "Email", "Tags", "Billable", "Start Date",
           "Start Time", "End Date", "End Time", "Duration (h)", "Duration (decimal)")
REQUIRED = ("Email", "Project", "Start Date", "Start Time")


def parse(line: int, record: dict, context: Context) -> Row:
    start, end = span(record, context, "Start Date", "Start Time", "End Date", "End Time", "Duration (h)")
    return Row(line=line, start=start, end=end, email=cell(record, "Email").lower(), person=cell(record, "User"),
               project=cell(record, "Project"), client=cell(record, "Client"), task=cell(record, "Task"),
               description=cell(record, "Description"), tags=values.split_tags(cell(record, "Tags")),
               billable=values.parse_billable(cell(record, "Billable")))
