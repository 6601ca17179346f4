"""Time zones in one place: the database holds naive UTC, people read and type local wall-clock times.

Every conversion between the two goes through here, so the daylight-saving rules are written once:
- a wall-clock time the zone skips (the hour lost when the clocks go forward) is refused where the
  user typed it (must_exist), and otherwise read with the offset before the change;
- a wall-clock time the zone repeats (the hour when the clocks go back) is its first occurrence.
Only the standard library here: models, services and views all import it.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import available_timezones


class NonexistentTimeError(ValueError):
    """A local wall-clock time the zone skips; the message is fit to show the user."""


def utcnow() -> datetime:
    """Naive UTC now: every timestamp in the database is naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_utc(day: date, at: time, zone: tzinfo, must_exist: bool = False) -> datetime:
    """A local date and wall-clock time in `zone` as naive UTC. With `must_exist`, a time the zone skips
    is a NonexistentTimeError instead of a silent shift."""
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: a repeated time is its first occurrence
    utc = local.astimezone(UTC)
    if must_exist and utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentTimeError(
            f"{at:%H:%M} does not exist on {day.isoformat()} in the {getattr(zone, 'key', zone)} time zone "
            "(the clocks skip it when daylight saving time starts). Give a time outside that gap.")
    return utc.replace(tzinfo=None)


def start_of_day(day: date, zone: tzinfo) -> datetime:
    """Local midnight of `day` in `zone`, as naive UTC (DST changes shift it)."""
    return to_utc(day, time(0), zone)


def to_local(value: datetime, zone: tzinfo) -> datetime:
    """A naive-UTC timestamp as an aware datetime in `zone`."""
    return value.replace(tzinfo=UTC).astimezone(zone)


def from_iso(raw: str | None) -> datetime:
    """A browser's ISO 8601 moment ("...Z", "+02:00", or no offset: read as UTC) as naive UTC. ValueError when it
    is not one, or lies outside what a datetime holds once in UTC ("0001-01-01T00:00:00+01:00")."""
    try:
        value = datetime.fromisoformat((raw or "").strip().replace("Z", "+00:00"))
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
    except OverflowError as exc:
        raise ValueError(f"{raw!r} is out of range") from exc


def iso(value: datetime | None) -> str:
    """A naive-UTC timestamp in ISO 8601 with its offset (+00:00), for the browser; "" for None."""
    return value.replace(tzinfo=UTC).isoformat() if value else ""


def valid_zone(name: str | None) -> str:
    """The IANA zone name if it is one, else UTC (a sign-up's or an identity provider's claim)."""
    return name if name in available_timezones() else "UTC"


def week_first_day(day: date, week_start: int) -> date:
    """The first day of the week holding `day`, for an organization's week start (0: Monday, else Sunday)."""
    return day - timedelta(days=(day.weekday() - (0 if week_start == 0 else 6)) % 7)
