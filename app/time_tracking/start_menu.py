"""What the header's Start menu offers: the person's favourites, their recent work (the last distinct project + task +
description combinations, newest first) and the projects they may start a timer on. The header is also streamed,
so everything here takes the user and reads nothing from the request."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Project, TimeLog, User
from app.time_tracking import entries

RECENT_LIMIT = 5
RECENT_SCAN = 200  # logs read to find the distinct combinations (a person's last few days at most)


def recent_work(user: User, limit: int = RECENT_LIMIT, projects: list[Project] | None = None) -> list[TimeLog]:
    """The newest finished entry of each of the user's last `limit` distinct (project, task, description)
    combinations, newest first, on projects they may still log time on (`projects`, when the caller has them:
    entries.loggable_projects; continuing one goes through timers.continue_entry).

    Every page's header shows it, so it reads the last RECENT_SCAN entries as four plain columns and loads only the
    chosen ones, with the task the menu names (their projects are those read already): loading all of them as entries
    with their projects and tags took about 4 ms of each page."""
    projects = entries.loggable_projects(user) if projects is None else projects
    by_id = {project.id: project for project in projects}
    if not by_id:
        return []
    scanned = db.session.execute(
        select(TimeLog.id, TimeLog.project_id, TimeLog.task_id, TimeLog.description)
        .where(TimeLog.user_id == user.id, TimeLog.end_time.is_not(None), TimeLog.project_id.in_(list(by_id)))
        .order_by(TimeLog.start_time.desc(), TimeLog.id.desc()).limit(RECENT_SCAN))
    seen: set[tuple] = set()
    chosen: list[int] = []
    for log_id, project_id, task_id, description in scanned:
        key = (project_id, task_id, (description or "").strip().casefold())
        if key in seen:
            continue
        seen.add(key)
        chosen.append(log_id)
        if len(chosen) == limit:
            break
    if not chosen:
        return []
    logs = {log.id: log for log in db.session.scalars(
        select(TimeLog).where(TimeLog.id.in_(chosen)).options(selectinload(TimeLog.task)))}
    for log in logs.values():  # the projects read already: no query for them
        set_committed_value(log, "project", by_id[log.project_id])
    return [logs[log_id] for log_id in chosen]
