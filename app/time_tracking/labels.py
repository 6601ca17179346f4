"""Tags (per organization) and tasks (per project): creating and deleting them, what an entry may choose, and the
rule that an entry's task is of its project and its tags of its organization."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Project, Tag, Task, TimeLog, TimeLogError
from app.models.tag import TAG_NAME_MAX
from app.models.task import TASK_NAME_MAX
from app.web.form_filters import parse_id

OTHER_PROJECT_TASK = _l("That task belongs to another project: choose one of this project's tasks.")
OTHER_ORG_TAG = _l("Choose tags of this project's organization.")


def parse_choice(raw_task: str, raw_tags: Iterable[str]) -> tuple[int | None, list[int]]:
    """A timer's task and tags as they were sent (a form's fields, an offline queue's values) as ids: no task for
    "" or "0"; TimeLogError for one that is not an id. check_choice() then loads them for the project."""
    raw_task = raw_task.strip()
    task_id = None if raw_task in ("", "0") else parse_id(raw_task)
    if raw_task not in ("", "0") and task_id is None:
        raise TimeLogError(str(OTHER_PROJECT_TASK))
    tag_ids = [parse_id(raw) for raw in raw_tags]
    if None in tag_ids:
        raise TimeLogError(str(OTHER_ORG_TAG))
    return task_id, tag_ids


def tags_of(organization_ids: Iterable[int]) -> list[Tag]:
    ids = list(organization_ids)
    return list(db.session.scalars(select(Tag).where(Tag.organization_id.in_(ids)).order_by(Tag.name, Tag.id)))


def tasks_of(project_ids: Iterable[int]) -> list[Task]:
    ids = list(project_ids)
    return list(db.session.scalars(select(Task).where(Task.project_id.in_(ids)).order_by(Task.name, Task.id)))


def _name(raw: str, longest: int, what: str) -> str:
    """The name typed for a tag or a task (`what`: "tag" or "task"), spaces tidied; TimeLogError when empty or long."""
    name = " ".join((raw or "").split())
    if not name:
        raise TimeLogError(_("Tag name is required.") if what == "tag" else _("Task name is required."))
    if len(name) > longest:
        raise TimeLogError(_("Tag name must be at most %(longest)s characters.", longest=longest) if what == "tag"
                           else _("Task name must be at most %(longest)s characters.", longest=longest))
    return name


def create_tag(organization_id: int, raw_name: str) -> Tag:
    name = _name(raw_name, TAG_NAME_MAX, "tag")
    taken = select(Tag.id).where(Tag.organization_id == organization_id, func.lower(Tag.name) == name.lower())
    if db.session.scalar(taken) is not None:
        raise TimeLogError(_("This organization already has that tag."))
    tag = Tag(organization_id=organization_id, name=name)
    db.session.add(tag)
    _commit(_("This organization already has that tag."))
    return tag


def create_task(project: Project, raw_name: str) -> Task:
    name = _name(raw_name, TASK_NAME_MAX, "task")
    taken = select(Task.id).where(Task.project_id == project.id, func.lower(Task.name) == name.lower())
    if db.session.scalar(taken) is not None:
        raise TimeLogError(_("This project already has that task."))
    task = Task(project_id=project.id, name=name)
    db.session.add(task)
    _commit(_("This project already has that task."))
    return task


def delete_tag(tag: Tag) -> None:
    """Its entries lose the tag (the association rows go with it)."""
    db.session.delete(tag)
    db.session.commit()


def delete_task(task: Task) -> None:
    """Its entries keep their time and lose the task (time_logs.task_id has no foreign key: cleared here)."""
    db.session.execute(update(TimeLog).where(TimeLog.task_id == task.id).values(task_id=None))
    db.session.delete(task)
    db.session.commit()


def _commit(message: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent request took the name first
        db.session.rollback()
        raise TimeLogError(message) from exc


def check_choice(project: Project, task_id: int | None, tag_ids: Iterable[int]) -> tuple[Task | None, list[Tag]]:
    """The task and tags an entry on `project` may have, loaded; TimeLogError for a task of another project or
    a tag of another organization (or one that does not exist)."""
    task = None
    if task_id:
        task = db.session.get(Task, task_id)
        if task is None or task.project_id != project.id:
            raise TimeLogError(str(OTHER_PROJECT_TASK))
    ids = sorted(set(tag_ids))
    tags = list(db.session.scalars(select(Tag).where(Tag.id.in_(ids)))) if ids else []
    if len(tags) != len(ids) or any(tag.organization_id != project.organization_id for tag in tags):
        raise TimeLogError(str(OTHER_ORG_TAG))
    return task, tags
