"""Reading one cell: dates, wall-clock times, durations, yes/no and tag lists, as the exports write them.
Each raises ValueError with a message fit to show next to the row's line number."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.timezones import to_utc

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")
TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I:%M:%S%p", "%I:%M%p")
YES = {"yes", "true", "1", "y", "billable"}
NO = {"no", "false", "0", "n", "non-billable", "not billable", ""}
CLOCK = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d))?$")
# what a cell is, as a refused row's message names it (the parsers pass these English names)
WHAT = {"date": _l("date"), "time": _l("time"), "duration": _l("duration"), "hours": _l("hours"),
        "start": _l("start"), "end": _l("end"), "start date": _l("start date"), "start time": _l("start time"),
        "end date": _l("end date"), "end time": _l("end time")}


def _what(what: str) -> str:
    return str(WHAT.get(what, what))


def parse_date(value: str, what: str = "date") -> date:
    text = (value or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("%(what)s %(value)s is not a date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY)", what=_what(what),
                       value=repr(text)))


def parse_time(value: str, what: str = "time") -> time:
    text = (value or "").strip().upper()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValueError(_("%(what)s %(value)s is not a time of day (HH:MM, HH:MM:SS or 09:30 AM)", what=_what(what),
                       value=repr(value.strip())))


def parse_duration(value: str, what: str = "duration") -> timedelta:
    """"1:30:00", "1:30" (hours and minutes) or decimal hours ("1.5", "1,5")."""
    text = (value or "").strip()
    match = CLOCK.match(text)
    if match:
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    try:
        hours = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(_("%(what)s %(value)s is not a duration (H:MM:SS or decimal hours)", what=_what(what),
                           value=repr(text))) from None
    if hours != hours or hours < 0 or hours > 10_000:  # NaN, negative, absurd
        raise ValueError(_("%(what)s %(value)s is not a duration (H:MM:SS or decimal hours)", what=_what(what),
                           value=repr(text)))
    return timedelta(seconds=round(hours * 3600))


def parse_billable(value: str) -> bool:
    text = (value or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("billable %(value)s is neither yes nor no", value=repr(value.strip())))


def split_tags(value: str) -> tuple[str, ...]:
    names = []
    for name in (value or "").split(","):
        name = name.strip()
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return tuple(names)


def local(day: date, at: time, zone: tzinfo) -> datetime:
    """A wall-clock time of the file's zone, as naive UTC."""
    return to_utc(day, at, zone)


def parse_datetime(value: str, zone: tzinfo, what: str = "start") -> datetime:
    """"2026-11-02 09:00:00", "2026-11-02T09:00" (the file's zone) or with an offset ("...Z", "+01:00": its own)."""
    text = (value or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise ValueError(_("%(what)s %(value)s is not a date and time (YYYY-MM-DD HH:MM:SS)", what=_what(what),
                           value=repr(text))) from None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return local(moment.date(), moment.time(), zone)
