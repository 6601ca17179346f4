"""Starting and stopping timers: the domain verbs, then the one fan-out of time changes (changes.py)."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Project, TimeLog, TimeLogError, User, utcnow
from app.time_tracking import changes


def start_timer(user: User, project: Project, description: str = "", billable: bool | None = None) -> TimeLog:
    """Start a timer on a project; a timer already running is stopped first (one running timer per user).
    `billable` defaults to the project's."""
    if not project.is_active:
        raise TimeLogError("This project is archived.")
    if user.membership_in(project.organization_id) is None:
        raise TimeLogError("You are not a member of this project's organization.")
    TimeLog.check(utcnow(), None, description)
    running = user.running_timer
    if running is not None:
        running.stop()
    log = TimeLog(user_id=user.id, organization_id=project.organization_id, project_id=project.id,
                  start_time=utcnow(), description=description or "",
                  billable=project.billable if billable is None else billable)
    db.session.add(log)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a second tab started one at the same instant
        db.session.rollback()
        raise TimeLogError("A timer is already running.") from exc
    changes.after_commit(([running] if running is not None else []) + [log])
    return log


def stop_timer(user: User) -> TimeLog:
    running = user.running_timer
    if running is None:
        raise TimeLogError("No timer is running.")
    running.stop()
    db.session.commit()
    changes.after_commit([running])
    return running


def continue_entry(user: User, entry: TimeLog) -> TimeLog:
    """A new running timer like `entry` (its project, description and billable), stopping the running one."""
    if entry.user_id != user.id:
        raise TimeLogError("You can continue only your own entries.")
    project = db.session.get(Project, entry.project_id)
    return start_timer(user, project, entry.description or "", billable=entry.billable)
