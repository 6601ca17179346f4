"""Every notification kind, in one place: its label on /settings, default channel, and e-mail rules."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models import Channel


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # lazy: translated where it is shown
    default: Channel
    # e-mail only if the in-app notification is still unread this many seconds later (people in the app
    # are not e-mailed); None: e-mail at once (after quiet hours)
    email_if_unread_after: int | None = None
    digestible: bool = True  # gathered into the daily digest when the user asked for one
    system_admins_only: bool = False  # shown on /settings to system admins only


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("report_ready", _l("A report you started is ready"), Channel.BOTH, email_if_unread_after=15 * 60),
    Kind("report_failed", _l("A report you started failed"), Channel.BOTH),
    Kind("export_ready", _l("A full export of an organization you asked for is ready"), Channel.BOTH,
         email_if_unread_after=15 * 60),
    Kind("scheduled_report", _l("Scheduled reports sent to you"), Channel.EMAIL, digestible=False),
    Kind("long_timer", _l("A timer running longer than 10 hours"), Channel.BOTH),
    Kind("budget", _l("A project's budget reaching 80% and 100%"), Channel.BOTH),
    Kind("daily_reminder", _l("Daily reminder when you have tracked nothing (at the time you choose below)"),
         Channel.BOTH, digestible=False),
    Kind("weekly_summary", _l("Weekly summary of your hours (Monday 08:00)"), Channel.EMAIL, digestible=False),
    Kind("week_submitted", _l("A week submitted for your approval"), Channel.BOTH),
    Kind("week_decided", _l("Your week approved or rejected"), Channel.BOTH),
    Kind("week_unlocked", _l("Your approved week unlocked by an owner (with the reason)"), Channel.BOTH),
    Kind("webhook_disabled", _l("A webhook of an organization you own switched off after failing deliveries"),
         Channel.BOTH, digestible=False),
    Kind("operator_alert", _l("Operator alerts (failing jobs, queues, workers, schedule)"), Channel.BOTH,
         digestible=False, system_admins_only=True),
]}


def get(name: str) -> Kind:
    return KINDS[name]


def visible_to(user) -> list[Kind]:
    return [k for k in KINDS.values() if not k.system_admins_only or user.is_system_admin]
