"""What several formats share: a context (the file's zone, the generic mapping), reading a start and an end or a
duration, and stacking entries that have no start (Harvest) from the day's start, one after the other."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from flask_babel import gettext as _

from app.imports import values

DAY_START = time(9, 0)  # entries without a start time begin at 09:00 local, stacked


@dataclass
class Context:
    zone: tzinfo
    mapping: dict[str, str] = field(default_factory=dict)  # generic CSV: field -> column
    stacks: dict[tuple[str, date], datetime] = field(default_factory=dict)

    def stacked(self, who: str, day: date, length: timedelta) -> tuple[datetime, datetime]:
        """The next slot of this person's day: from 09:00 local, after their entries before it in the file."""
        key = (who.lower(), day)
        start = self.stacks.get(key) or values.local(day, DAY_START, self.zone)
        end = start + length
        self.stacks[key] = end
        return start, end


def cell(record: dict, column: str) -> str:
    return (record.get(column) or "").strip()


def span(record: dict, context: Context, start_date: str, start_time: str, end_date: str, end_time: str,
         duration: str) -> tuple[datetime, datetime]:
    """Start from its date and time; end from its date and time when given, else start + duration."""
    day = values.parse_date(cell(record, start_date), "start date")
    start = values.local(day, values.parse_time(cell(record, start_time), "start time"), context.zone)
    if cell(record, end_time):
        end_day = values.parse_date(cell(record, end_date), "end date") if cell(record, end_date) else day
        end = values.local(end_day, values.parse_time(cell(record, end_time), "end time"), context.zone)
        return start, end
    if cell(record, duration):
        return start, start + values.parse_duration(cell(record, duration))
    raise ValueError(_("the row has neither an end time nor a duration"))
