"""solidtime: the Time page's CSV export (detailed).

Description, Task, Project, Client, User, Start, End (YYYY-MM-DD HH:MM:SS, the exporter's zone), Duration
(H:MM:SS), Duration (decimal), Billable (Yes/No), Tags (comma-separated). People are named, not given by e-mail:
they are matched by name (or by an Email column when the file has one).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.imports import values
from app.imports.formats.common import Context, cell
from app.imports.rows import Row

LABEL = _l("solidtime (time entries CSV)")
COLUMNS = ("Description", "Task", "Project", "Client", "User", "Start", "End", "Duration", "Duration (decimal)",
           "Billable", "Tags")
REQUIRED = ("Project", "User", "Start", "End")


def parse(line: int, record: dict, context: Context) -> Row:
    start = values.parse_datetime(cell(record, "Start"), context.zone, "start")
    end = values.parse_datetime(cell(record, "End"), context.zone, "end")
    return Row(line=line, start=start, end=end, email=cell(record, "Email").lower(), person=cell(record, "User"),
               project=cell(record, "Project"), client=cell(record, "Client"), task=cell(record, "Task"),
               description=cell(record, "Description"), tags=values.split_tags(cell(record, "Tags")),
               billable=values.parse_billable(cell(record, "Billable")))
