"""The dry run's plan: what importing these rows into an organization would do, computed without writing.

People are matched with the organization's members by e-mail (by name when the format has no e-mail: Harvest,
solidtime), case-insensitively; an unmatched person's rows are refused, or given to the importing person when they
chose so. Each person's time must be time the importing person may add (app.policies.can_edit_time_of). Projects,
clients and tags are matched by name within the organization and tasks by name within their project,
case-insensitively; what does not match will be created. An entry whose external id is already in the
organization was imported before and is skipped.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import policies
from app.extensions import db
from app.imports.rows import Row, RowError
from app.models import Client, Membership, Organization, Project, Tag, Task, TimeLog, TimeLogError, User
from app.models.tag import TAG_NAME_MAX
from app.models.task import TASK_NAME_MAX
from app.time_tracking import entries, locks

NAME_MAX = 200  # projects and clients
CHUNK = 500
PROGRESS_EVERY = 200


@dataclass
class Entry:
    row: Row
    user_id: int


@dataclass
class Plan:
    entries: list[Entry] = field(default_factory=list)  # to create
    skipped: int = 0  # imported before
    errors: list[dict] = field(default_factory=list)
    projects: dict[str, Project | None] = field(default_factory=dict)  # lower name -> existing, or None: new
    project_names: dict[str, str] = field(default_factory=dict)  # lower name -> as first written
    project_clients: dict[str, str] = field(default_factory=dict)  # new project (lower) -> client name
    clients: dict[str, Client | None] = field(default_factory=dict)
    client_names: dict[str, str] = field(default_factory=dict)
    tags: dict[str, Tag | None] = field(default_factory=dict)
    tag_names: dict[str, str] = field(default_factory=dict)
    tasks: dict[tuple[str, str], Task | None] = field(default_factory=dict)
    task_names: dict[tuple[str, str], str] = field(default_factory=dict)
    people: dict[str, dict] = field(default_factory=dict)

    def summary(self, format_label: str, rows: int) -> dict:
        """The plan as the page shows it (JSON on the Import row)."""
        def listing(found: dict, names: dict) -> list[dict]:
            return sorted(({"name": names[key] if not isinstance(key, tuple) else " / ".join(
                (self.project_names[key[0]], names[key])), "new": value is None} for key, value in found.items()),
                key=lambda item: (not item["new"], item["name"].lower()))
        minutes = sum(round((e.row.end - e.row.start).total_seconds() / 60) for e in self.entries)
        return {
            "format": format_label, "rows": rows, "entries_new": len(self.entries), "entries_existing": self.skipped,
            "hours": round(minutes / 60, 2), "errors": len(self.errors),
            "people": sorted(self.people.values(), key=lambda p: p["who"].lower()),
            "projects": listing(self.projects, self.project_names), "clients": listing(self.clients, self.client_names),
            "tags": listing(self.tags, self.tag_names), "tasks": listing(self.tasks, self.task_names),
        }


def make(organization: Organization, importer: User, rows: list[Row | RowError], assign_unmatched: bool,
         on_progress: Callable[[int, int], None] | None = None) -> Plan:
    plan = Plan()
    members = _members(organization.id)
    organization_locks = locks.locks_of(organization.id)
    existing_ids = _existing_external_ids(organization.id, [r.external_id for r in rows if isinstance(r, Row)])
    for done, row in enumerate(rows, start=1):
        if on_progress and done % PROGRESS_EVERY == 0:
            on_progress(done, len(rows))
        if isinstance(row, RowError):
            plan.errors.append({"line": row.line, "message": row.message})
            continue
        problem = _names_problem(row) or _day_problem(row)
        user = _person(plan, row, members, importer, organization, assign_unmatched)
        if not isinstance(user, str) and not problem:
            problem = organization_locks.problem(user.id, locks.days_of(user, row.start, row.end))
        if isinstance(user, str) or problem:
            plan.errors.append({"line": row.line, "message": user if isinstance(user, str) else problem})
            continue
        if row.external_id in existing_ids:
            plan.skipped += 1
            continue
        _match_labels(plan, organization.id, row)
        plan.entries.append(Entry(row, user.id))
    if on_progress:
        on_progress(len(rows), len(rows))
    plan.errors.sort(key=lambda e: e["line"])
    return plan


def _members(organization_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == organization_id, Membership.removed_at.is_(None))))


def _existing_external_ids(organization_id: int, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(db.session.scalars(select(TimeLog.external_id).where(
            TimeLog.organization_id == organization_id, TimeLog.external_id.in_(ids[start:start + CHUNK]))))
    return found


def _person(plan: Plan, row: Row, members: list[User], importer: User, organization: Organization,
            assign_unmatched: bool) -> User | str:
    """The member whose entry this is, or why the row is refused."""
    key = row.who.lower()
    if not key:
        return _("the row names no person (no e-mail, no user)")
    entry = plan.people.get(key)
    if entry is None:
        if row.email:
            matches = [m for m in members if m.email.lower() == row.email]
        else:
            matches = [m for m in members if (m.name or "").strip().lower() == key]
        member = matches[0] if len(matches) == 1 else None
        if member is not None:
            allowed = policies.can_edit_time_of(importer, member, organization.id)
            entry = {"who": row.who, "rows": 0, "member": member.name or member.email, "user_id": member.id,
                     "action": "matched" if allowed else "refused",
                     "why": "" if allowed else _("you may not add time for %(person)s",
                                                               person=member.name or member.email)}
        elif assign_unmatched:
            entry = {"who": row.who, "rows": 0, "member": importer.name or importer.email, "user_id": importer.id,
                     "action": "assigned to you", "why": ""}
        else:
            if row.email:
                why = _("no member of %(organization)s has the e-mail %(who)s: invite them first, or choose to "
                        "import their rows as yours", organization=organization.name, who=row.who)
            else:
                why = _("no member of %(organization)s has the name %(who)s: invite them first, or choose to "
                        "import their rows as yours", organization=organization.name, who=row.who)
            if len(matches) > 1:
                why = _("several members of %(organization)s are named %(who)s: use a file with e-mails",
                        organization=organization.name, who=row.who)
            entry = {"who": row.who, "rows": 0, "member": None, "user_id": None, "action": "refused", "why": why}
        plan.people[key] = entry
    entry["rows"] += 1
    if entry["action"] == "refused":
        return entry["why"]
    return db.session.get(User, entry["user_id"])


def _day_problem(row: Row) -> str | None:
    """The days an entry may have, as on the entry form (from 2000, at most a year ahead)."""
    try:
        entries.check_entry_day(row.start.date())
    except TimeLogError as exc:
        return str(exc)
    return None


def _names_problem(row: Row) -> str | None:
    if len(row.project) > NAME_MAX:
        return _("the project name is longer than %(max)s characters", max=NAME_MAX)
    if len(row.client) > NAME_MAX:
        return _("the client name is longer than %(max)s characters", max=NAME_MAX)
    if len(row.task) > TASK_NAME_MAX:
        return _("the task name is longer than %(max)s characters", max=TASK_NAME_MAX)
    for tag in row.tags:
        if len(tag) > TAG_NAME_MAX:
            return _("the tag %(tag)s… is longer than %(max)s characters", tag=repr(tag[:20]), max=TAG_NAME_MAX)
    return None


def _match_labels(plan: Plan, organization_id: int, row: Row) -> None:
    project_key = row.project.lower()
    if project_key not in plan.projects:
        plan.project_names[project_key] = row.project
        plan.projects[project_key] = db.session.scalar(select(Project).where(
            Project.organization_id == organization_id, func.lower(Project.name) == project_key)
            .order_by(Project.id).limit(1))
        if plan.projects[project_key] is None and row.client:
            plan.project_clients[project_key] = row.client
            _match(plan.clients, plan.client_names, row.client, lambda key: db.session.scalar(select(Client).where(
                Client.organization_id == organization_id, func.lower(Client.name) == key).limit(1)))
    for tag in row.tags:
        _match(plan.tags, plan.tag_names, tag, lambda key: db.session.scalar(select(Tag).where(
            Tag.organization_id == organization_id, func.lower(Tag.name) == key).limit(1)))
    if row.task:
        key = (project_key, row.task.lower())
        if key not in plan.tasks:
            plan.task_names[key] = row.task
            project = plan.projects[project_key]
            plan.tasks[key] = None if project is None else db.session.scalar(select(Task).where(
                Task.project_id == project.id, func.lower(Task.name) == key[1]).limit(1))


def _match(found: dict, names: dict, name: str, lookup) -> None:
    key = name.lower()
    if key not in found:
        names[key] = name
        found[key] = lookup(key)

