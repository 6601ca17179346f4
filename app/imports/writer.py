"""Writing a plan, all or nothing, and undoing it.

apply() adds, in the caller's one transaction, the clients, projects, tasks and tags the plan creates and every
entry (with its external id), and returns the ids of all it created. undo() removes an import's entries, then the
tasks, projects, tags and clients it created that nothing else uses since (no other entry, task or favourite).
"""
from __future__ import annotations

from sqlalchemy import delete, exists, select

from app.extensions import db
from app.imports.plan import Plan
from app.models import Client, Favourite, Project, Tag, Task, TimeLog, User, favourite_tags, time_log_tags
from app.models.project import PALETTE
from app.time_tracking import locks


def apply(plan: Plan, organization_id: int) -> tuple[dict[str, list[int]], list[TimeLog]]:
    created: dict[str, list] = {"clients": [], "projects": [], "tasks": [], "tags": [], "time_logs": []}
    clients = dict(plan.clients)
    for key, client in clients.items():
        if client is None:
            clients[key] = _add(Client(organization_id=organization_id, name=plan.client_names[key]), created,
                                "clients")
    colours = db.session.scalar(select(db.func.count(Project.id)).where(Project.organization_id == organization_id))
    projects = dict(plan.projects)
    for key, project in projects.items():
        if project is None:
            client = clients.get(plan.project_clients.get(key, "").lower())
            projects[key] = _add(Project(organization_id=organization_id, name=plan.project_names[key],
                                         client_id=client.id if client else None,
                                         color=PALETTE[colours % len(PALETTE)]), created, "projects")
            colours += 1
    tasks = dict(plan.tasks)
    for key, task in tasks.items():
        if task is None:
            tasks[key] = _add(Task(project_id=projects[key[0]].id, name=plan.task_names[key]), created, "tasks")
    tags = dict(plan.tags)
    for key, tag in tags.items():
        if tag is None:
            tags[key] = _add(Tag(organization_id=organization_id, name=plan.tag_names[key]), created, "tags")
    logs = []
    for entry in plan.entries:
        row = entry.row
        project = projects[row.project.lower()]
        log = TimeLog(organization_id=organization_id, user_id=entry.user_id, project_id=project.id,
                      description=row.description, billable=row.billable, external_id=row.external_id,
                      task_id=tasks[(row.project.lower(), row.task.lower())].id if row.task else None,
                      tags=[tags[name.lower()] for name in row.tags])
        log.set_times(row.start, row.end)
        db.session.add(log)
        logs.append(log)
    db.session.flush()
    created["time_logs"] = [log.id for log in logs]
    return created, logs


def _add(record, created: dict, kind: str):
    db.session.add(record)
    db.session.flush()
    created[kind].append(record.id)
    return record


def undo(organization_id: int, created: dict) -> tuple[dict[str, int], list[TimeLog]]:
    """Remove what an import created (in the caller's transaction); returns counts and the removed entries.
    TimeLocked, removing nothing, when an entry lies in locked time (an approved week, before the lock date)."""
    logs = list(db.session.scalars(select(TimeLog).where(
        TimeLog.organization_id == organization_id, TimeLog.id.in_(created.get("time_logs", [])))))
    organization_locks = locks.locks_of(organization_id, {log.user_id for log in logs})
    people = {user.id: user for user in db.session.scalars(select(User).where(
        User.id.in_({log.user_id for log in logs})))} if logs else {}
    for log in logs:
        problem = organization_locks.problem(log.user_id, locks.days_of(people[log.user_id], log.start_time,
                                                                        log.end_time))
        if problem:
            raise locks.TimeLocked(f"Nothing was undone: an entry of this import is in locked time. {problem}")
    before = [log.detached_copy() for log in logs]
    for log in logs:
        db.session.delete(log)
    db.session.flush()
    counts = {"time_logs": len(logs), "tasks": 0, "projects": 0, "tags": 0, "clients": 0}
    task_ids = created.get("tasks", [])
    for task in db.session.scalars(select(Task).where(Task.id.in_(task_ids))):
        if not db.session.scalar(select(exists().where(TimeLog.task_id == task.id))):
            db.session.delete(task)
            counts["tasks"] += 1
    db.session.flush()
    for project in db.session.scalars(select(Project).where(
            Project.organization_id == organization_id, Project.id.in_(created.get("projects", [])))):
        used = db.session.scalar(select(
            exists().where(TimeLog.project_id == project.id) | exists().where(Task.project_id == project.id)
            | exists().where(Favourite.project_id == project.id)))
        if not used:
            db.session.delete(project)
            counts["projects"] += 1
    db.session.flush()
    for tag in db.session.scalars(select(Tag).where(
            Tag.organization_id == organization_id, Tag.id.in_(created.get("tags", [])))):
        used = db.session.scalar(select(exists().where(time_log_tags.c.tag_id == tag.id)
                                        | exists().where(favourite_tags.c.tag_id == tag.id)))
        if not used:
            db.session.execute(delete(Tag).where(Tag.id == tag.id))
            counts["tags"] += 1
    for client in db.session.scalars(select(Client).where(
            Client.organization_id == organization_id, Client.id.in_(created.get("clients", [])))):
        if not db.session.scalar(select(exists().where(Project.client_id == client.id))):
            db.session.delete(client)
            counts["clients"] += 1
    db.session.flush()
    return counts, before
