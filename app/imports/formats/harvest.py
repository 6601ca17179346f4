"""Harvest: the Detailed time report's CSV export (Reports > Detailed time > Export > CSV).

Date, Client, Project, Project Code, Task, Notes, Hours (decimal), Hours Rounded, Billable? (Yes/No), Invoiced?,
Approved?, First Name, Last Name, Roles, Employee?, Billable Rate, Billable Amount, Cost Rate, Cost Amount,
Currency, External Reference URL. Harvest gives no start time and no e-mail: each person's entries of a day start
at 09:00 local, one after the other in the file's order, and people are matched by their name.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.imports import values
from app.imports.formats.common import Context, cell
from app.imports.rows import Row

LABEL = _l("Harvest (detailed time report CSV)")
COLUMNS = ("Date", "Client", "Project", "Project Code", "Task", "Notes", "Hours", "Billable?", "First Name",
           "Last Name")
REQUIRED = ("Date", "Project", "Hours", "First Name", "Last Name")


def parse(line: int, record: dict, context: Context) -> Row:
    day = values.parse_date(cell(record, "Date"))
    length = values.parse_duration(cell(record, "Hours"), "hours")
    person = " ".join(part for part in (cell(record, "First Name"), cell(record, "Last Name")) if part)
    start, end = context.stacked(person, day, length)
    return Row(line=line, start=start, end=end, person=person, project=cell(record, "Project"),
               client=cell(record, "Client"), task=cell(record, "Task"), description=cell(record, "Notes"),
               billable=values.parse_billable(cell(record, "Billable?")))
