"""Manual time entries: create, update and delete a finished log, then tell live updates.

Times arrive as a local date and wall-clock times in the user's time zone and are stored as naive
UTC. Every rule is checked here first (TimeLogError carries a message fit for the form); the database
constraints stay the last line of defence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import policies
from app.extensions import db
from app.models import Project, ProjectStatus, TimeLog, TimeLogError, User
from app.time_tracking import changes, labels, locks
from app.timezones import NonexistentTimeError, start_of_day, to_utc, utcnow

MAX_ENTRY_MINUTES = 24 * 60
FIRST_ENTRY_DAY = date(2000, 1, 1)


@dataclass
class EntryData:
    project: Project
    start_time: datetime  # naive UTC
    end_time: datetime | None  # naive UTC; None only while a timer runs
    description: str
    billable: bool
    task_id: int | None = None
    tag_ids: list[int] = field(default_factory=list)


# -- which projects a user may log time on ------------------------------------------------------------
def loggable_projects_query(user: User):
    """Active projects the user may see, in organizations the user belongs to (system admins included)."""
    return (
        policies.project_scope(user)
        .where(Project.status == ProjectStatus.ACTIVE,
               Project.organization_id.in_(policies.organization_ids(user)))
        .options(selectinload(Project.organization))
        .order_by(Project.name, Project.id)
    )


def loggable_projects(user: User) -> list[Project]:
    return list(db.session.scalars(loggable_projects_query(user)))


def loggable_project_ids(user: User, projects: list[Project] | None = None) -> set[int]:
    """The ids of loggable_projects(user), or of `projects` when the caller read them already (the Start menu reads
    them once for its picker, its recent work and its favourites)."""
    return {project.id for project in (loggable_projects(user) if projects is None else projects)}


# -- the rules on an entry's date and length ----------------------------------------------------------
def last_entry_day(today: date | None = None) -> date:
    """Entries go at most a year ahead: a typo such as 2200 is refused, not stored."""
    today = today or utcnow().date()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def check_entry_day(day: date) -> None:
    if not FIRST_ENTRY_DAY <= day <= last_entry_day():
        raise TimeLogError(_("Give a date between %(first)s and %(last)s (at most a year ahead).",
                             first=FIRST_ENTRY_DAY.isoformat(), last=last_entry_day().isoformat()))


def longest_entry_minutes(log: TimeLog | None = None) -> int:
    """24 hours for a new entry. A finished log already longer (a timer left running) stays editable:
    an edit may keep it as long as it is (rounded up to the minute), never make it longer."""
    if log is None or log.end_time is None:
        return MAX_ENTRY_MINUTES
    return max(MAX_ENTRY_MINUTES, math.ceil((log.end_time - log.start_time).total_seconds() / 60))


# -- local wall-clock times -> naive UTC (app/timezones.py) -------------------------------------------
def local_day_bounds(user: User, first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """[start of `first`, start of the day after `last`) in the user's zone, as naive UTC."""
    start = start_of_day(first, user.zone) if first else None
    end = start_of_day(last + timedelta(days=1), user.zone) if last else None
    return start, end


def entry_times(user: User, day: date, start: time, end: time | None, duration_minutes: int | None,
                keep_running: bool = False,
                longest_minutes: int = MAX_ENTRY_MINUTES) -> tuple[datetime, datetime | None]:
    """Resolve the form's date, start and (end time or duration) into naive-UTC start and end.

    An end time before (or at) the start is an error, not an overnight entry: entries past midnight
    are entered with a duration. `longest_minutes` is longest_entry_minutes() of the log being edited.
    """
    check_entry_day(day)
    start_utc = _existing_utc(user, day, start)  # a time the clocks skip is refused: the user meant one that exists
    end_utc = _existing_utc(user, day, end) if end is not None else None
    if end_utc is not None:
        if end_utc <= start_utc:
            raise TimeLogError(_("End must be after start."))
    elif duration_minutes is not None:
        end_utc = start_utc + timedelta(minutes=duration_minutes)
    elif keep_running:
        if start_utc > utcnow():
            raise TimeLogError(_("A running timer cannot start in the future."))
        return start_utc, None
    else:
        raise TimeLogError(_("Give an end time or a duration."))
    if (end_utc - start_utc) > timedelta(minutes=longest_minutes):
        raise TimeLogError(_("An entry can be at most 24 hours long.") if longest_minutes == MAX_ENTRY_MINUTES else
                           _("This entry can be at most %(longest)s minutes long, its current length.",
                             longest=longest_minutes))
    return start_utc, end_utc


def _existing_utc(user: User, day: date, at: time) -> datetime:
    """to_utc() of a time the user typed; TimeLogError (in the user's language) when the zone skips it."""
    try:
        return to_utc(day, at, user.zone, must_exist=True)
    except NonexistentTimeError as exc:
        raise TimeLogError(_("%(time)s does not exist on %(day)s in the %(zone)s time zone (the clocks skip it when "
                             "daylight saving time starts). Give a time outside that gap.",
                             time=at.strftime("%H:%M"), day=day.isoformat(), zone=getattr(user.zone, "key", user.zone))
                           ) from exc


# -- the verbs ----------------------------------------------------------------------------------------
def _check(user: User, data: EntryData, log: TimeLog | None = None) -> None:
    keeps_project = log is not None and log.project_id == data.project.id
    if not keeps_project and not (data.project.is_active and policies.can_view(user, data.project)):
        raise TimeLogError(_("Choose one of your active projects."))
    owner = db.session.get(User, log.user_id) if log else user
    if owner.membership_in(data.project.organization_id) is None:
        raise TimeLogError(_("The log's owner is not a member of this project's organization."))
    if not (data.description or "").strip():
        raise TimeLogError(_("Description is required."))
    TimeLog.check(data.start_time, data.end_time, data.description)
    labels.check_choice(data.project, data.task_id, data.tag_ids)


def _labels(log: TimeLog, data: EntryData) -> None:
    task, tags = labels.check_choice(data.project, data.task_id, data.tag_ids)
    log.task_id = task.id if task else None
    log.tags = tags


def _snapshot(log: TimeLog) -> TimeLog:
    return log.detached_copy()


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise TimeLogError(_("That entry breaks a rule (a second running timer, or a project outside "
                             "your organization).")) from exc


def create_entry(user: User, data: EntryData) -> TimeLog:
    _check(user, data)
    if data.end_time is None:
        raise TimeLogError(_("Give an end time or a duration."))
    locks.check_unlocked(user, data.project.organization_id, locks.days_of(user, data.start_time, data.end_time))
    log = TimeLog(user_id=user.id, organization_id=data.project.organization_id, project_id=data.project.id,
                  start_time=data.start_time, end_time=None, description=data.description.strip(),
                  billable=data.billable)
    _labels(log, data)
    log.set_times(data.start_time, data.end_time)
    db.session.add(log)
    _commit()
    changes.after_commit([log])
    return log


def update_entry(user: User, log: TimeLog, data: EntryData) -> TimeLog:
    """Change a log (the caller has authorized `user` to edit it). A running timer may stay running."""
    _check(user, data, log)
    if data.end_time is None and not log.is_running:
        raise TimeLogError(_("Give an end time or a duration."))
    owner = db.session.get(User, log.user_id)
    locks.check_log(log)  # out of a locked day, and into one
    locks.check_unlocked(owner, data.project.organization_id, locks.days_of(owner, data.start_time, data.end_time))
    before = _snapshot(log)
    log.project_id = data.project.id
    log.organization_id = data.project.organization_id
    log.description = data.description.strip()
    log.billable = data.billable
    _labels(log, data)
    log.set_times(data.start_time, data.end_time)
    _commit()
    changes.after_commit([log], before=[before])
    return log


def delete_entry(log: TimeLog) -> TimeLog:
    """Delete a log; returns a detached copy of it (what undo.remember() keeps). TimeLocked in a locked day."""
    locks.check_log(log)
    before = _snapshot(log)
    db.session.delete(log)
    db.session.commit()
    changes.after_commit(before=[before])
    return before

