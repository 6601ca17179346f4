"""Starting and stopping timers: the domain verbs, then the one fan-out of time changes (changes.py).

Pause ends the running segment (a break) and marks it paused; resume starts the same work again (project,
description, billable, task, tags) as a new segment linked to it (resumed_from_id). Starting another timer, or
stopping, ends the pause.

A timer stopped under a minute (TimeLog.too_short_to_keep) is not kept: stopping it, or starting another one,
deletes it, and the fan-out still runs with the deletion so every dashboard forgets it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Project, TimeLog, TimeLogError, User, utcnow
from app.time_tracking import changes, labels, locks
from app.timezones import from_iso, to_local

NOT_KEPT = _l("Timer under a minute: not kept.")


@dataclass(frozen=True)
class Stopped:
    """A stopped timer: `log` as it ended (a detached copy when it was not kept)."""
    log: TimeLog
    kept: bool


def _finish(running: TimeLog, at: datetime | None = None) -> tuple[Stopped, list[TimeLog], list[TimeLog]]:
    """Stop a running timer in the session (no commit) at `at` (now by default); a sub-minute one is deleted.
    Returns what happened and the (logs, before) the fan-out needs once committed. TimeLocked when its time falls
    in a locked day."""
    locks.check_log(running)
    running.stop(at)
    if not running.too_short_to_keep:
        return Stopped(running, True), [running], []
    gone = running.detached_copy()
    db.session.delete(running)
    return Stopped(gone, False), [], [gone]


def start_timer(user: User, project: Project, description: str = "", task_id: int | None = None,
                tag_ids=(), billable: bool | None = None) -> TimeLog:
    """Start a timer on a project; a timer already running is stopped first (one running timer per user).
    `billable` defaults to the project's."""
    log, _stopped = start_timer_after(user, project, description, task_id, tag_ids, billable)
    return log


def start_timer_after(user: User, project: Project, description: str = "", task_id: int | None = None,
                      tag_ids=(), billable: bool | None = None,
                      at: datetime | None = None) -> tuple[TimeLog, Stopped | None]:
    """start_timer(), also telling what became of the timer it stopped (None when none was running). `at` (naive
    UTC, now by default) is when it started: a start made offline, sent later (offline_sync.py), which also stops
    the running timer then."""
    at = at or utcnow()
    if not project.is_active:
        raise TimeLogError(_("This project is archived."))
    if user.membership_in(project.organization_id) is None:
        raise TimeLogError(_("You are not a member of this project's organization."))
    TimeLog.check(at, None, description)
    _check_day(user, project.organization_id, at)
    task, tags = labels.check_choice(project, task_id, tag_ids)
    _end_pause(user)
    running = user.running_timer
    stopped, logs, before = (None, [], []) if running is None else _finish(running, at)
    if running is not None:
        db.session.flush()  # the one-running-timer index: the old one ends (or goes) before the new one starts
    log = TimeLog(user_id=user.id, organization_id=project.organization_id, project_id=project.id,
                  start_time=at, description=description or "",
                  billable=project.billable if billable is None else billable,
                  task_id=task.id if task else None, tags=tags)
    db.session.add(log)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a second tab started one at the same instant
        db.session.rollback()
        raise TimeLogError(_("A timer is already running.")) from exc
    if before:  # its own change: SQLite may give the new timer the deleted one's id
        changes.after_commit(before=before)
    changes.after_commit([*logs, log])
    return log, stopped


def _check_day(user: User, organization_id: int, at: datetime | None = None) -> None:
    """A timer starting at `at` (now by default) adds time to that day: refused when the day is locked (an approved
    week, the lock date)."""
    locks.check_unlocked(user, organization_id, [to_local(at or utcnow(), user.zone).date()])


def _end_pause(user: User) -> TimeLog | None:
    paused = user.paused_timer
    if paused is not None:
        paused.paused = False
    return paused


def pause_timer(user: User) -> TimeLog:
    """End the running segment and keep it as the paused timer (kept whatever its length: it is work done)."""
    running = user.running_timer
    if running is None:
        raise TimeLogError(_("No timer is running."))
    locks.check_log(running)
    _end_pause(user)
    db.session.flush()
    running.stop()
    running.paused = True
    db.session.commit()
    changes.after_commit([running])
    return running


def continue_entry(user: User, entry: TimeLog) -> TimeLog:
    """A new running timer like `entry` (its project, task, description, tags and billable), stopping the running
    one."""
    if entry.user_id != user.id:
        raise TimeLogError(_("You can continue only your own entries."))
    project = db.session.get(Project, entry.project_id)
    return start_timer(user, project, entry.description or "", task_id=entry.task_id,
                       tag_ids=[tag.id for tag in entry.tags], billable=entry.billable)


def resume_timer(user: User) -> TimeLog:
    """Start the paused work again as a new segment linked to the paused one."""
    paused = user.paused_timer
    if paused is None:
        raise TimeLogError(_("No timer is paused."))
    if user.running_timer is not None:
        raise TimeLogError(_("A timer is running: stop it before resuming the paused one."))
    project = paused.project
    if project is None or not project.is_active:
        raise TimeLogError(_("This project is archived: the paused timer cannot resume."))
    if user.membership_in(project.organization_id) is None:
        raise TimeLogError(_("You are not a member of this project's organization."))
    _check_day(user, paused.organization_id)
    paused.paused = False
    log = TimeLog(user_id=user.id, organization_id=paused.organization_id, project_id=paused.project_id,
                  start_time=utcnow(), description=paused.description, billable=paused.billable,
                  task_id=paused.task_id, tags=list(paused.tags), resumed_from_id=paused.id)
    db.session.add(log)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise TimeLogError(_("A timer is already running.")) from exc
    changes.after_commit([log])
    return log


def stop_timer(user: User, at: datetime | None = None) -> Stopped:
    """Stop the running timer at `at` (naive UTC, now by default); with none running but one paused, the pause
    ends (the work is done)."""
    running = user.running_timer
    if running is None:
        paused = _end_pause(user)
        if paused is None:
            raise TimeLogError(_("No timer is running."))
        db.session.commit()
        changes.after_commit([paused])
        return Stopped(paused, True)
    _end_pause(user)
    stopped, logs, before = _finish(running, at)
    db.session.commit()
    changes.after_commit(logs, before=before)
    return stopped


IDLE_ACTIONS = ("keep", "discard", "stop")


def parse_idle_since(raw: str) -> datetime:
    """The moment a person left, from the browser's ISO 8601 string, as naive UTC (no offset: read as UTC)."""
    try:
        return from_iso(raw)
    except ValueError as exc:
        raise TimeLogError(_("Give the moment you left as an ISO 8601 time.")) from exc


def resolve_idle(user: User, action: str, since: datetime) -> TimeLog | None:
    """What to do with the time a person was away while their timer ran (`since`: when they left, naive UTC).

    keep: nothing changes. discard: the running segment ends at `since` and the same work starts again now (the
    idle time is not counted). stop: the timer stops at `since`. Returns the running timer afterwards (None once
    stopped). `since` must lie within the running timer: not before its start, not in the future."""
    if action not in IDLE_ACTIONS:
        raise TimeLogError(_("Choose keep, discard or stop for the idle time."))
    running = user.running_timer
    if running is None:
        raise TimeLogError(_("No timer is running."))
    now = utcnow()
    if since < running.start_time:
        raise TimeLogError(_("The idle time cannot begin before the timer started."))
    if since > now:
        raise TimeLogError(_("The idle time cannot begin in the future."))
    if action == "keep":
        return running
    locks.check_log(running)
    work = dict(organization_id=running.organization_id, project_id=running.project_id,
                description=running.description, billable=running.billable, task_id=running.task_id,
                tags=list(running.tags))
    running.stop(since)
    gone = None
    if running.too_short_to_keep:  # left within its first minute: nothing worth keeping
        gone = running.detached_copy()
        db.session.delete(running)
    db.session.flush()  # the one-running-timer index: this segment ends before the next starts
    log = None
    if action == "discard":
        log = TimeLog(user_id=user.id, start_time=now, **work)
        db.session.add(log)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise TimeLogError(_("A timer is already running.")) from exc
    if gone is not None:
        changes.after_commit(before=[gone])
        changes.after_commit([log] if log else [])
    else:
        changes.after_commit([running, *([log] if log else [])])
    return log
