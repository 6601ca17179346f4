"""Timer changes made on a device while it had no connection, sent when it is back (issue 24).

The page queues a start or stop it could not send (static/js/controllers/offline_timer_controller.js), with the
moment it was made, and posts the queue here once the server answers again. Each change is applied at its own
moment, in the order made: a stop made at 14:30 ends the timer at 14:30, not when the phone found a signal.

Sending the same queue twice changes nothing the second time (a reply lost on a flaky connection makes the page
send it again): a start is already done when the person has an entry on that project from that second, a stop when
no timer runs from before it or an entry ended at that second. A change that would rewrite what happened since on
another device (a timer started there after it, or time logged there since) is refused with a reason, as is one
on a locked day, one older than MAX_AGE (it belongs in an entry by hand) or one further in the future than a
device clock can be off. The queue names the person it was made by: another account's queue (a page a previous
person left on a shared device) is refused whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app import policies
from app.extensions import db
from app.models import Project, TimeLog, TimeLogError, User
from app.time_tracking import labels, timers
from app.timezones import from_iso, to_local, utcnow
from app.web.form_filters import parse_id

MAX_ACTIONS = 100
MAX_AGE = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=2)  # a device clock up to this far ahead is read as "now"
KINDS = ("start", "stop")


class SyncRequestError(Exception):
    """The queue itself is malformed (not a list of actions): nothing is applied."""


@dataclass(frozen=True)
class Outcome:
    """What became of one queued change: applied, already (sent before), or refused (with why)."""
    id: str
    status: str
    message: str

    def as_json(self) -> dict:
        return {"id": self.id, "status": self.status, "message": self.message}


class NotTheirs(Exception):
    """The queue was made by another account than the one signed in."""


def parse(payload, user: User) -> list[dict]:
    """The queue from the request's JSON ({"user_id": id, "actions": [...]}), each action's shape checked; its
    values are checked as it is applied, so one bad change does not hold back the others."""
    if not isinstance(payload, dict) or not isinstance(payload.get("user_id"), int):
        raise SyncRequestError(_('Send {"user_id": <who made them>, "actions": [...]}, the changes to apply in order.'))
    if payload["user_id"] != user.id:
        raise NotTheirs(_("These changes were made by another account on this device: sign in as that person to "
                          "send them."))
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        raise SyncRequestError(_('Send {"user_id": <who made them>, "actions": [...]}, the changes to apply in order.'))
    if len(actions) > MAX_ACTIONS:
        raise SyncRequestError(_("At most %(num)s changes at a time.", num=MAX_ACTIONS))
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("id"), str) or not action["id"].strip() \
                or len(action["id"]) > 64 or action.get("kind") not in KINDS or not isinstance(action.get("at"), str):
            raise SyncRequestError(_('Each change needs an "id", a "kind" (start or stop) and an "at" time.'))
    return actions


def apply(user: User, actions: list[dict]) -> list[Outcome]:
    """Apply each change in order; each is its own transaction (one refused leaves the others as they are)."""
    outcomes = []
    for action in actions:
        try:
            at = _moment(action["at"])
            status, message = (_start if action["kind"] == "start" else _stop)(user, action, at)
        except TimeLogError as exc:
            db.session.rollback()
            status, message = "refused", str(exc)
        outcomes.append(Outcome(action["id"], status, message))
    return outcomes


def _moment(raw: str) -> datetime:
    """The change's moment as naive UTC, to the second; a device clock a little ahead is read as now."""
    try:
        at = from_iso(raw).replace(microsecond=0)
    except ValueError as exc:
        raise TimeLogError(_("The change has no readable time.")) from exc
    now = utcnow().replace(microsecond=0)
    if at > now + CLOCK_SKEW:
        raise TimeLogError(_("The change is dated in the future: check this device's clock."))
    if at < now - MAX_AGE:
        raise TimeLogError(_("The change is older than %(days)s days: add that time as an entry.", days=MAX_AGE.days))
    return min(at, now)


def _clock(user: User, at: datetime) -> str:
    return to_local(at, user.zone).strftime("%H:%M")


def _start(user: User, action: dict, at: datetime) -> tuple[str, str]:
    project_id = parse_id(str(action.get("project_id", "")))
    project = db.session.get(Project, project_id) if project_id is not None else None
    if project is None or not policies.can_view(user, project):
        raise TimeLogError(_("That project is not one you can track time on."))
    if db.session.scalar(select(TimeLog.id).where(TimeLog.user_id == user.id, TimeLog.project_id == project.id,
                                                  TimeLog.start_time == at).limit(1)) is not None:
        return "already", _("Timer on %(project)s from %(time)s: already saved.", project=project.name,
                            time=_clock(user, at))
    _refuse_if_overtaken(user, at, "start")
    _refuse_if_logged_since(user, at)
    raw_tags = action.get("tag_ids") or []
    if not isinstance(raw_tags, list):
        raise TimeLogError(_("The timer's tags are not a list."))
    task_id, tag_ids = labels.parse_choice(str(action.get("task_id") or ""), [str(raw) for raw in raw_tags])
    description = action.get("description") or ""
    if not isinstance(description, str):
        raise TimeLogError(_("The timer's description is not text."))
    timers.start_timer_after(user, project, description.strip(), task_id, tag_ids, at=at)
    return "applied", _("Timer started on %(project)s at %(time)s.", project=project.name, time=_clock(user, at))


def _stop(user: User, action: dict, at: datetime) -> tuple[str, str]:
    running = user.running_timer
    if running is None and user.paused_timer is not None:  # "Done" on a paused timer: the pause ends
        paused = timers.stop_timer(user)
        return "applied", _("Paused timer on %(project)s done.", project=paused.log.project.name)
    if running is None or running.start_time > at:
        ended = db.session.scalar(select(TimeLog.id).where(TimeLog.user_id == user.id, TimeLog.end_time == at)
                                  .limit(1))
        if running is None or ended is not None:
            return "already", _("Timer stopped at %(time)s: already saved.", time=_clock(user, at))
        _refuse_if_overtaken(user, at, "stop")
    stopped = timers.stop_timer(user, at=at)
    if not stopped.kept:
        return "applied", _("Timer stopped at %(time)s: under a minute, not kept.", time=_clock(user, at))
    return "applied", _("Timer stopped at %(time)s: %(minutes)s min on %(project)s.", time=_clock(user, at),
                        minutes=stopped.log.duration_minutes, project=stopped.log.project.name)


def _refuse_if_logged_since(user: User, at: datetime) -> None:
    """A timer started at `at` runs until now: refused when time already logged (on another device) falls in
    between, which it would overlap. Entries planned ahead (starting after now) do not count."""
    since = db.session.scalars(select(TimeLog).where(TimeLog.user_id == user.id, TimeLog.end_time > at,
                                                     TimeLog.start_time < utcnow()).order_by(TimeLog.start_time)
                               .limit(1)).first()
    if since is not None:
        raise TimeLogError(_("Not applied: the start at %(time)s would overlap the time logged from %(start)s to "
                             "%(end)s on another device. Add that time as an entry.", time=_clock(user, at),
                             start=_clock(user, since.start_time), end=_clock(user, since.end_time)))


def _refuse_if_overtaken(user: User, at: datetime, kind: str) -> None:
    """A timer started after this change (on another device, while this one was offline) wins: the change would
    rewrite it."""
    running = user.running_timer
    if running is not None and running.start_time > at:
        times = {"time": _clock(user, at), "started": _clock(user, running.start_time)}
        raise TimeLogError(
            _("Not applied: the start at %(time)s came before the timer started at %(started)s on another device. "
              "Add that time as an entry.", **times) if kind == "start" else
            _("Not applied: the stop at %(time)s came before the timer started at %(started)s on another device. "
              "Add that time as an entry.", **times))
