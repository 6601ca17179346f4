"""What the header's Start menu offers: the person's favourites, their recent work (the last distinct project + task +
description combinations, newest first) and the projects they may start a timer on. The header is also streamed,
so everything here takes the user and reads nothing from the request."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import TimeLog, User
from app.time_tracking import entries

RECENT_LIMIT = 5
RECENT_SCAN = 200  # logs read to find the distinct combinations (a person's last few days at most)


def recent_work(user: User, limit: int = RECENT_LIMIT) -> list[TimeLog]:
    """The newest finished entry of each of the user's last `limit` distinct (project, task, description)
    combinations, newest first, on projects they may still log time on (continuing one goes through
    timers.continue_entry)."""
    loggable = {project.id for project in entries.loggable_projects(user)}
    if not loggable:
        return []
    logs = db.session.scalars(
        select(TimeLog).where(TimeLog.user_id == user.id, TimeLog.end_time.is_not(None),
                              TimeLog.project_id.in_(loggable))
        .options(selectinload(TimeLog.project), selectinload(TimeLog.tags))
        .order_by(TimeLog.start_time.desc(), TimeLog.id.desc()).limit(RECENT_SCAN))
    seen: set[tuple] = set()
    recent: list[TimeLog] = []
    for log in logs:
        key = (log.project_id, log.task_id, (log.description or "").strip().casefold())
        if key in seen:
            continue
        seen.add(key)
        recent.append(log)
        if len(recent) == limit:
            break
    return recent
