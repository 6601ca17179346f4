"""Favourites: a person pins an entry's combination (project, task, description, tags, billable), at most
MAX_FAVOURITES, and starts a timer like it in one click (the header's Start menu and /time-logs list them first)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Favourite, Project, TimeLog, TimeLogError, User
from app.models.favourite import combination
from app.time_tracking import entries, timers

MAX_FAVOURITES = 10
TOO_MANY = f"You have {MAX_FAVOURITES} favourites already: unpin one first."  # in English; raised translated


def of(user: User) -> list[Favourite]:
    """The user's favourites, oldest pin first."""
    return list(db.session.scalars(
        select(Favourite).where(Favourite.user_id == user.id)
        .options(selectinload(Favourite.project), selectinload(Favourite.task), selectinload(Favourite.tags))
        .order_by(Favourite.created_at, Favourite.id)))


def startable(user: User, projects: list[Project] | None = None) -> list[Favourite]:
    """The favourites on projects the user may still start a timer on (`projects`, when the caller has them:
    entries.loggable_projects)."""
    loggable = entries.loggable_project_ids(user, projects)
    return [favourite for favourite in of(user) if favourite.project_id in loggable]


def pinned(user: User) -> dict[tuple, int]:
    """Each pinned combination -> its favourite's id (the time list shows Unpin for those)."""
    return {favourite.key: favourite.id for favourite in of(user)}


def entry_key(log: TimeLog) -> tuple:
    return combination(log.project_id, log.task_id, log.description, log.billable, log.tags)


def pin(user: User, log: TimeLog) -> tuple[Favourite, bool]:
    """Pin the combination of one of the user's entries; (favourite, created). Pinning it again returns the one
    already there; an eleventh is refused."""
    if log.user_id != user.id:
        raise TimeLogError(_("You can pin only your own entries."))
    existing = pinned(user).get(entry_key(log))
    if existing is not None:
        return db.session.get(Favourite, existing), False
    count = db.session.scalar(select(func.count()).select_from(Favourite).where(Favourite.user_id == user.id))
    if count >= MAX_FAVOURITES:
        raise TimeLogError(_("You have %(num)s favourites already: unpin one first.", num=MAX_FAVOURITES))
    favourite = Favourite(user_id=user.id, project_id=log.project_id, task_id=log.task_id,
                          description=(log.description or "").strip(), billable=log.billable, tags=list(log.tags))
    db.session.add(favourite)
    db.session.commit()
    return favourite, True


def unpin(favourite: Favourite) -> None:
    db.session.delete(favourite)
    db.session.commit()


def start(user: User, favourite: Favourite) -> TimeLog:
    """A running timer like the favourite (the running one stops first); the project's rules apply as for any
    start (archived, no longer a member)."""
    if favourite.user_id != user.id:
        raise TimeLogError(_("You can start only your own favourites."))
    return timers.start_timer(user, favourite.project, favourite.description, task_id=favourite.task_id,
                              tag_ids=[tag.id for tag in favourite.tags], billable=favourite.billable)
