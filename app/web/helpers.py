"""Template helpers: DOM ids, durations, local times, relative ages."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, g
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app import formats
from app.timezones import iso, to_local, utcnow


def dom_id(record_or_kind, suffix: str | None = None) -> str:
    """One source of DOM ids for templates and streams: dom_id(org, "metrics") == "organization-42-metrics".

    Also accepts a topic (app.live.topics) or its name: DashboardKey("org", 42) or "dashboard:org:42"
    ("dashboard-org-42").
    """
    if not hasattr(record_or_kind, "__tablename__"):  # not a record: a topic, or a name
        base = str(record_or_kind).replace(":", "-").replace("_", "-")
    else:
        base = f"{type(record_or_kind).__name__.lower()}-{record_or_kind.id}"
    return f"{base}-{suffix}" if suffix else base


def format_minutes(minutes: float | int | None) -> str:
    return formats.minutes(minutes)


def format_seconds(seconds: int | None) -> str:
    seconds = int(seconds or 0)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M", user=None) -> str:
    """A naive-UTC timestamp shown in the user's time zone."""
    if value is None:
        return ""
    user = user or (current_user if current_user and current_user.is_authenticated else None)
    return formats.strftime(to_local(value, user.zone if user is not None else UTC), fmt)


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return _("never")
    seconds = int(((now or utcnow()) - value).total_seconds())
    if seconds < 45:
        return _("just now")
    if seconds < 90 * 60:
        return _("%(num)s min ago", num=max(1, round(seconds / 60)))
    if seconds < 36 * 3600:
        return _("%(num)s h ago", num=round(seconds / 3600))
    return ngettext("%(num)s day ago", "%(num)s days ago", round(seconds / 86400))


def csrf_field() -> Markup:
    """The hidden CSRF input for a form, except in a streamed partial (streams.render_stream sets
    g.streaming, in a request or a job alike): a stream reaches other people, and a token is one
    session's. Turbo then sends the page's <meta name="csrf-token"> as the X-CSRF-Token header,
    which Flask-WTF accepts."""
    if g.get("streaming"):
        return Markup("")
    return Markup(f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">')


def register(app: Flask) -> None:
    app.jinja_env.globals.update(dom_id=dom_id, utcnow=utcnow, csrf_field=csrf_field)
    app.jinja_env.filters.update(
        minutes=format_minutes, hms=format_seconds, local_time=local_time, time_ago=time_ago,
        iso=iso, day=formats.strftime, number=formats.number, amount=formats.amount,
    )
