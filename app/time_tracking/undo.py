"""Undo after delete: a deleted entry's data waits UNDO_SECONDS in Redis under a random token, for the person who
deleted it; restore() puts the same entry back (the same id when it is free, else an identical copy) and runs the
fan-out again, so the dashboards count it again. After that the token is gone and restore() refuses.

The key is read and removed at once (GETDEL): an Undo clicked twice restores once.
"""
from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Tag, Task, TimeLog, TimeLogError, User
from app.redis_client import get_redis
from app.time_tracking import changes, locks

log = logging.getLogger(__name__)

UNDO_SECONDS = 10
TOO_LATE = _l("Too late to undo: a deleted entry can be restored for %(seconds)s seconds.", seconds=UNDO_SECONDS)
_KEY = "undo:time-log:{}"
_TIMES = ("start_time", "end_time", "created_at")


class UndoExpired(TimeLogError):
    """The token is unknown, used, expired or someone else's."""


def remember(entry: TimeLog, user: User) -> str | None:
    """Keep a deleted entry's data (`entry`: a detached copy) for UNDO_SECONDS; the token, or None when Redis
    cannot keep it (the deletion stands, without an undo)."""
    data = {name: getattr(entry, name) for name in ("id", "organization_id", "user_id", "project_id",
                                                    "duration_minutes", "description", "billable", "task_id",
                                                    "resumed_from_id", *_TIMES)}
    data["tag_ids"] = list(getattr(entry, "tag_ids", []))
    data.update({name: value.isoformat() if value else None for name, value in data.items() if name in _TIMES})
    data["deleted_by"] = user.id
    token = secrets.token_urlsafe(18)
    try:
        get_redis().set(_KEY.format(token), json.dumps(data), ex=UNDO_SECONDS)
    except RedisError:
        log.warning("could not keep entry %s for undo", entry.id, exc_info=True)
        return None
    return token


def restore(user: User, token: str) -> TimeLog:
    """Put the deleted entry back; UndoExpired when the token is no longer there (or not this user's)."""
    try:
        raw = get_redis().getdel(_KEY.format(token or "")) if token and len(token) <= 64 else None
    except RedisError as exc:
        raise UndoExpired(_("Undo is unavailable right now: the entry stays deleted.")) from exc
    data = json.loads(raw) if raw else None
    if data is None or data.pop("deleted_by") != user.id:
        raise UndoExpired(str(TOO_LATE))
    for name in _TIMES:
        data[name] = datetime.fromisoformat(data[name]) if data[name] else None
    owner = db.session.get(User, data["user_id"])
    if owner is not None:  # into a day locked since the deletion: refused, saying why
        locks.check_unlocked(owner, data["organization_id"], locks.days_of(owner, data["start_time"], data["end_time"]))
    if db.session.get(TimeLog, data["id"]) is not None:  # SQLite may have given the id to a newer log
        data.pop("id")
    tag_ids = data.pop("tag_ids", [])
    entry = TimeLog(**data)
    if tag_ids:  # the tags that still exist
        entry.tags = list(db.session.scalars(select(Tag).where(Tag.id.in_(tag_ids))))
    if entry.task_id is not None and db.session.get(Task, entry.task_id) is None:
        entry.task_id = None
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise TimeLogError(_("This entry cannot come back: its project is gone, its owner left the organization, "
                             "or (a timer) another timer runs now.")) from exc
    changes.after_commit([entry])
    return entry
