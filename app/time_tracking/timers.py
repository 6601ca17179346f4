"""Starting and stopping timers: the domain verbs, then the one fan-out of time changes (changes.py).

A timer stopped under a minute (TimeLog.too_short_to_keep) is not kept: stopping it, or starting another one,
deletes it, and the fan-out still runs with the deletion so every dashboard forgets it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Project, TimeLog, TimeLogError, User, utcnow
from app.time_tracking import changes

NOT_KEPT = "Timer under a minute: not kept."


@dataclass(frozen=True)
class Stopped:
    """A stopped timer: `log` as it ended (a detached copy when it was not kept)."""
    log: TimeLog
    kept: bool


def _finish(running: TimeLog) -> tuple[Stopped, list[TimeLog], list[TimeLog]]:
    """Stop a running timer in the session (no commit); a sub-minute one is deleted. Returns what happened and
    the (logs, before) the fan-out needs once committed."""
    running.stop()
    if not running.too_short_to_keep:
        return Stopped(running, True), [running], []
    gone = running.detached_copy()
    db.session.delete(running)
    return Stopped(gone, False), [], [gone]


def start_timer(user: User, project: Project, description: str = "") -> TimeLog:
    """Start a timer on a project; a timer already running is stopped first (one running timer per user)."""
    log, _ = start_timer_after(user, project, description)
    return log


def start_timer_after(user: User, project: Project, description: str = "") -> tuple[TimeLog, Stopped | None]:
    """start_timer(), also telling what became of the timer it stopped (None when none was running)."""
    if not project.is_active:
        raise TimeLogError("This project is archived.")
    if user.membership_in(project.organization_id) is None:
        raise TimeLogError("You are not a member of this project's organization.")
    TimeLog.check(utcnow(), None, description)
    running = user.running_timer
    stopped, logs, before = (None, [], []) if running is None else _finish(running)
    if running is not None:
        db.session.flush()  # the one-running-timer index: the old one ends (or goes) before the new one starts
    log = TimeLog(user_id=user.id, organization_id=project.organization_id, project_id=project.id,
                  start_time=utcnow(), description=description or "", billable=project.billable)
    db.session.add(log)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a second tab started one at the same instant
        db.session.rollback()
        raise TimeLogError("A timer is already running.") from exc
    if before:  # its own change: SQLite may give the new timer the deleted one's id
        changes.after_commit(before=before)
    changes.after_commit([*logs, log])
    return log, stopped


def stop_timer(user: User) -> Stopped:
    running = user.running_timer
    if running is None:
        raise TimeLogError("No timer is running.")
    stopped, logs, before = _finish(running)
    db.session.commit()
    changes.after_commit(logs, before=before)
    return stopped
