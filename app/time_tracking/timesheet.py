"""The week timesheet: which week a `YYYY-Www` names, the grid of one person's week (projects and their tasks by
days), and
typing hours into a cell.

A week is named with ISO week syntax. Organizations whose weeks start on Monday read it as ISO does; those whose
weeks start on Sunday read `2026-W10` as the week that starts the Sunday before ISO week 10's Monday (so a week
keeps its number whichever day it starts on). Days are the person's local days (their time zone): an entry counts
in the cell of the local day it starts on.

A cell holds what the person logged on that project (and task: time without a task is the project's own row) that
day. Typing a number sets the cell's total through one
manual entry the timesheet owns in that cell (its description is OWNED_DESCRIPTION): it is created, lengthened,
shortened or deleted for the difference. Other entries (timers, entries from the form) are never rewritten: a
total below what they hold is refused with a message saying so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from app import policies
from app.extensions import db
from app.models import Organization, Project, Task, TimeLog, TimeLogError, User
from app.time_tracking import entries, labels, locks
from app.time_tracking.locks import DayLock
from app.timezones import NonexistentTimeError, start_of_day, to_local, to_utc, utcnow

OWNED_DESCRIPTION = "Timesheet"  # stored and compared: never translated
OWNED_START = time(9, 0)  # where the timesheet's own entry starts in its day (local time)
MAX_CELL_MINUTES = entries.MAX_ENTRY_MINUTES
FIRST_YEAR, LAST_YEAR = entries.FIRST_ENTRY_DAY.year, 2200

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.ASCII)
_ROW_KEY = re.compile(r"^(?P<project>[1-9]\d{0,17})(?:t(?P<task>[1-9]\d{0,17}))?$", re.ASCII)
# 1.5 / 1,5 (hours), 1:30 (hours:minutes), 90m (minutes), 2h, 1h30m / 1h 30m
_HOURS = re.compile(r"^(?:(?P<dec>\d{1,3}(?:[.,]\d{1,4})?|[.,]\d{1,4})\s*h?|(?P<h>\d{1,3}):(?P<m>[0-5]\d)"
                    r"|(?P<min>\d{1,5})\s*m(?:in)?|(?P<hh>\d{1,3})\s*h\s*(?P<mm>\d{1,2})\s*m(?:in)?)$",
                    re.ASCII | re.IGNORECASE)


class BadWeek(ValueError):
    """Not a week we can show; the message is fit to show the user."""


class CellError(ValueError):
    """A cell value that cannot be saved; the message is fit to show in the cell."""


# -- weeks ----------------------------------------------------------------------------------------------
def organization_ids_of(person: User) -> list[int]:
    """The person's organizations, in the order the timesheet offers them (the first is its default)."""
    return sorted(m.organization_id for m in person.memberships)


def scope_of(person: User, organization_id: int | None) -> int | None:
    """The organization a timesheet of the person is limited to: the one shown when they belong to several (each
    has its own weeks, approvals and locks), None (everything) when they belong to one or none."""
    return organization_id if len(person.memberships) > 1 else None


def week_start_of(person: User, organization_id: int | None = None) -> int:
    """The first day of the person's weeks (0 Monday, 6 Sunday) in the organization (default: their first)."""
    if organization_id is None:
        organization_ids = organization_ids_of(person)
        if not organization_ids:
            return 0
        organization_id = organization_ids[0]
    organization = db.session.get(Organization, organization_id)
    return organization.week_start if organization is not None else 0


def first_day(day: date, week_start: int) -> date:
    """The first day of the week holding `day`."""
    first_weekday = 0 if week_start == 0 else 6
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def label(first: date, week_start: int) -> str:
    """`YYYY-Www` of the week starting on `first` (its Monday's ISO week)."""
    monday = first if week_start == 0 else first + timedelta(days=1)
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(raw: str, week_start: int) -> date:
    """The first day of the week `raw` names; BadWeek with a message for anything else."""
    raw = (raw or "").strip()
    match = _WEEK.match(raw)
    if match is None:
        example = label(first_day(date.today(), 0), 0)
        raise BadWeek(_("“%(value)s” is not a week: write it as YYYY-Www, for example %(example)s.", value=raw[:40],
                        example=example))
    year, week = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadWeek(_("Weeks from %(first)s to %(last)s only.", first=FIRST_YEAR, last=LAST_YEAR))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BadWeek(_("%(year)s has no week %(week)s: ISO years have 52 or 53 weeks.", year=year,
                        week=week)) from None
    return monday if week_start == 0 else monday - timedelta(days=1)


@dataclass(frozen=True)
class Week:
    first: date
    week_start: int

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(7)]

    @property
    def label(self) -> str:
        return label(self.first, self.week_start)

    @property
    def previous(self) -> Week:
        return Week(self.first - timedelta(days=7), self.week_start)

    @property
    def next(self) -> Week:
        return Week(self.first + timedelta(days=7), self.week_start)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=6)


def this_week(person: User, organization_id: int | None = None) -> Week:
    week_start = week_start_of(person, organization_id)
    return Week(first_day(to_local(utcnow(), person.zone).date(), week_start), week_start)


def week_named(person: User, raw: str | None, organization_id: int | None = None) -> Week:
    """The week `raw` names for this person (the organization's week start, default their first's); this week when
    empty."""
    if raw is None or not raw.strip():
        return this_week(person, organization_id)
    week_start = week_start_of(person, organization_id)
    return Week(parse_week(raw, week_start), week_start)


def week_of(person: User, day: date, organization_id: int | None = None) -> Week:
    week_start = week_start_of(person, organization_id)
    return Week(first_day(day, week_start), week_start)


# -- hours typed into a cell ----------------------------------------------------------------------------
def parse_hours(raw: str | None) -> int:
    """`1.5` or `1,5` (hours), `1:30`, `90m`, `2h`, `1h30m` -> minutes; empty or 0 -> 0. CellError otherwise."""
    text = (raw or "").strip()
    if not text:
        return 0
    match = _HOURS.match(text)
    if match is None:
        raise CellError(_("“%(value)s” is not a duration: type hours (1.5), hours:minutes (1:30) or minutes (90m).",
                          value=text[:20]))
    if match["dec"] is not None:
        minutes = round(float(match["dec"].replace(",", ".")) * 60)
    elif match["h"] is not None:
        minutes = int(match["h"]) * 60 + int(match["m"])
    elif match["min"] is not None:
        minutes = int(match["min"])
    else:
        minutes = int(match["hh"]) * 60 + int(match["mm"])
    if minutes > MAX_CELL_MINUTES:
        raise CellError(_("A day holds at most 24 hours."))
    return minutes


def format_hours(minutes: int) -> str:
    """What a cell shows: `1:30`, `8:00`; empty for nothing."""
    return f"{minutes // 60}:{minutes % 60:02d}" if minutes else ""


# -- the grid -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """A row of the week: a project, or one of its tasks (time on the project without a task is its own row)."""
    project: Project
    task: Task | None = None

    @property
    def key(self) -> str:
        """The row in URLs and element ids: "12" (project 12, no task) or "12t5" (its task 5)."""
        return f"{self.project.id}" + (f"t{self.task.id}" if self.task else "")

    @property
    def task_id(self) -> int | None:
        return self.task.id if self.task else None

    @property
    def label(self) -> str:
        return self.project.name + (f" · {self.task.name}" if self.task else "")


def parse_row_key(raw: str) -> tuple[int, int | None] | None:
    """"12" -> (12, None), "12t5" -> (12, 5); None for anything else."""
    match = _ROW_KEY.match(raw.strip())
    if not match:
        return None
    return int(match["project"]), int(match["task"]) if match["task"] else None


@dataclass
class Cell:
    project_id: int
    task_id: int | None
    day: date
    minutes: int = 0  # finished entries
    logs: list[TimeLog] = field(default_factory=list)
    running: TimeLog | None = None

    @property
    def owned(self) -> TimeLog | None:
        return owned_entry(self.logs)

    @property
    def others_minutes(self) -> int:
        owned = self.owned
        return self.minutes - ((owned.duration_minutes or 0) if owned else 0)


@dataclass
class Grid:
    person: User
    week: Week
    rows: list[Row]
    cells: dict[tuple[int, int | None, date], Cell]
    organization_id: int | None = None  # limited to one organization's time (scope_of), or None: all of it
    # locked time, known before anyone types (the server refuses the writes all the same: locks.check_unlocked)
    locked: dict[tuple[int, date], DayLock] = field(default_factory=dict)  # (organization id, day)
    invoiced: dict[int, str] = field(default_factory=dict)  # entry id: why (on a sent or paid invoice)

    def lock(self, row: Row, day: date) -> DayLock | None:
        """Why this cell is read-only: its day locked in the row's organization, or an entry of it invoiced."""
        for log in self.cell(row, day).logs:
            if log.id in self.invoiced:
                return DayLock(locks.INVOICED, self.invoiced[log.id])
        return self.locked.get((row.project.organization_id, day))

    def notes(self) -> list[str]:
        """What the week's header says about locked time in it (one line per lock)."""
        notes = list(dict.fromkeys(lock.reason for lock in self.locked.values() if lock.kind == locks.APPROVED))
        by_organization: dict[int, list[date]] = {}
        for (organization_id, day), lock in self.locked.items():
            if lock.kind == locks.LOCK_DATE:
                by_organization.setdefault(organization_id, []).append(day)
        for organization_id, days in sorted(by_organization.items()):
            organization = db.session.get(Organization, organization_id)
            lock = {"organization": organization.name, "date": f"{organization.lock_date:%d %b %Y}"}
            if len(days) == 7:
                notes.append(_("The whole week is locked: %(organization)s changes nothing before %(date)s (its lock "
                               "date).", **lock))
            else:
                notes.append(ngettext("%(num)d day of this week is locked: %(organization)s changes nothing before "
                                      "%(date)s (its lock date).",
                                      "%(num)d days of this week are locked: %(organization)s changes nothing before "
                                      "%(date)s (its lock date).", len(days), **lock))
        shown = {log.id for cell in self.cells.values() for log in cell.logs}
        invoiced = len(shown & set(self.invoiced))
        if invoiced:
            notes.append(ngettext("%(num)d entry of this week is on a sent or paid invoice and locked.",
                                  "%(num)d entries of this week are on a sent or paid invoice and locked.", invoiced))
        return notes

    def fully_locked(self, organization_id: int) -> bool:
        """Every day of the week is locked in this organization: nothing to offer writing into there."""
        return all((organization_id, day) in self.locked for day in self.week.days)

    @property
    def projects(self) -> list[Project]:
        return list({row.project.id: row.project for row in self.rows}.values())

    def cell(self, row: Row, day: date) -> Cell:
        return self.cells.get((row.project.id, row.task_id, day)) or Cell(row.project.id, row.task_id, day)

    def row_total(self, row: Row) -> int:
        return sum(self.cell(row, day).minutes for day in self.week.days)

    def day_total(self, day: date) -> int:
        return sum(self.cell(row, day).minutes for row in self.rows)

    @property
    def total(self) -> int:
        return sum(self.day_total(day) for day in self.week.days)

    @property
    def running(self) -> TimeLog | None:
        return next((c.running for c in self.cells.values() if c.running is not None), None)


def owned_entry(logs: list[TimeLog]) -> TimeLog | None:
    """The cell's own manual entry: its latest finished entry described OWNED_DESCRIPTION."""
    owned = [log for log in logs if log.end_time is not None and log.description == OWNED_DESCRIPTION]
    return max(owned, key=lambda log: log.id) if owned else None


def _bounds(person: User, first: date, days: int) -> tuple[datetime, datetime]:
    return start_of_day(first, person.zone), start_of_day(first + timedelta(days=days), person.zone)


_ANY = object()


def week_logs(person: User, first: date, days: int = 7, project_id: int | None = None, task_id=_ANY,
              organization_id: int | None = None) -> list[TimeLog]:
    start, end = _bounds(person, first, days)
    query = select(TimeLog).where(TimeLog.user_id == person.id, TimeLog.start_time >= start,
                                  TimeLog.start_time < end)
    if organization_id is not None:
        query = query.where(TimeLog.organization_id == organization_id)
    if project_id is not None:
        query = query.where(TimeLog.project_id == project_id)
    if task_id is not _ANY:
        query = query.where(TimeLog.task_id.is_(None) if task_id is None else TimeLog.task_id == task_id)
    return list(db.session.scalars(query.order_by(TimeLog.start_time, TimeLog.id)))


def _cells(person: User, logs: list[TimeLog]) -> dict[tuple[int, int | None, date], Cell]:
    cells: dict[tuple[int, int | None, date], Cell] = {}
    for log in logs:
        day = to_local(log.start_time, person.zone).date()
        cell = cells.setdefault((log.project_id, log.task_id, day), Cell(log.project_id, log.task_id, day))
        cell.logs.append(log)
        if log.end_time is None:
            cell.running = log
        else:
            cell.minutes += log.duration_minutes or 0
    return cells


def _key(project_id: int, task_id: int | None) -> str:
    return f"{project_id}" + (f"t{task_id}" if task_id else "")


def week_row_keys(person: User, week: Week, organization_id: int | None = None) -> list[str]:
    """The rows the person logged time on during the week ("12", "12t5"), in order of first use (in one
    organization, when given)."""
    return list(dict.fromkeys(_key(log.project_id, log.task_id)
                              for log in week_logs(person, week.first, organization_id=organization_id)))


def grid(person: User, week: Week, extra_rows: list[tuple[int, int | None]] = (),
         organization_id: int | None = None) -> Grid:
    """The person's week: a row per project (and task) they logged on, plus the extra rows asked for; only the
    organization's projects when one is given (scope_of)."""
    logs = week_logs(person, week.first, organization_id=organization_id)
    keys = {(log.project_id, log.task_id) for log in logs} | set(extra_rows)
    project_ids = {p for p, _ in keys}
    query = select(Project).where(Project.id.in_(project_ids))
    if organization_id is not None:
        query = query.where(Project.organization_id == organization_id)
    projects = {p.id: p for p in db.session.scalars(query)} if project_ids else {}
    task_ids = {t for _, t in keys if t}
    tasks = {t.id: t for t in db.session.scalars(select(Task).where(Task.id.in_(task_ids)))} if task_ids else {}
    rows = [Row(projects[p], tasks.get(t)) for p, t in keys
            if p in projects and (t is None or (t in tasks and tasks[t].project_id == p))]
    rows.sort(key=lambda r: (r.project.name.lower(), r.project.id, r.task is not None,
                             r.task.name.lower() if r.task else ""))
    organization_ids = {organization_id} if organization_id is not None else \
        {p.organization_id for p in projects.values()} | set(organization_ids_of(person))
    return Grid(person, week, rows, _cells(person, logs), organization_id,
                locks.locked_days(person, organization_ids, week.days), locks.invoiced_problems(log.id for log in logs))


def addable_rows(person: User, shown: list[Row], grid: Grid | None = None) -> list[tuple[str, str]]:
    """Rows that may be added: the person's loggable projects, and their tasks, not in the grid yet (key, label);
    none of a project whose organization locks the whole week shown, nor of another organization than the grid's."""
    present = {row.key for row in shown}
    projects = [p for p in entries.loggable_projects(person)
                if grid is None or (not grid.fully_locked(p.organization_id)
                                    and grid.organization_id in (None, p.organization_id))]
    tasks: dict[int, list[Task]] = {}
    for task in labels.tasks_of(p.id for p in projects):
        tasks.setdefault(task.project_id, []).append(task)
    options = []
    for project in projects:
        for row in [Row(project), *(Row(project, task) for task in tasks.get(project.id, []))]:
            if row.key not in present:
                options.append((row.key, row.label))
    return options


def unlocked_keys(grid: Grid, keys: list[str]) -> list[str]:
    """These row keys, less those of projects whose organization locks the whole week shown (not offered)."""
    pairs = [parse_row_key(key) for key in keys]
    project_ids = {pair[0] for pair in pairs if pair}
    organization_of = dict(db.session.execute(select(Project.id, Project.organization_id).where(
        Project.id.in_(project_ids))).all()) if project_ids else {}
    return [key for key, pair in zip(keys, pairs, strict=True)
            if pair and pair[0] in organization_of and not grid.fully_locked(organization_of[pair[0]])]


# -- typing into a cell ---------------------------------------------------------------------------------
@dataclass
class CellChange:
    action: str  # "created", "updated", "deleted", "unchanged"
    minutes: int  # the cell's total now


def set_cell(actor: User, person: User, project: Project, day: date, minutes: int,
             task: Task | None = None) -> CellChange:
    """Make the person's finished time on this project (and task) and day total `minutes`, through the cell's own
    entry.

    The caller has checked that the actor may edit the person's entries in the project's organization."""
    if not 0 <= minutes <= MAX_CELL_MINUTES:
        raise CellError(_("A day holds at most 24 hours."))
    try:
        entries.check_entry_day(day)
    except TimeLogError as exc:
        raise CellError(str(exc)) from None
    task_id = task.id if task else None
    cell = (_cells(person, week_logs(person, day, 1, project.id, task_id)).get((project.id, task_id, day))
            or Cell(project.id, task_id, day))
    if cell.running is not None:
        raise CellError(_("A timer is running in this cell: stop it first."))
    owned = cell.owned
    others = cell.others_minutes
    if minutes == cell.minutes:
        return CellChange("unchanged", cell.minutes)
    if minutes < others:
        count = len(cell.logs) - (1 if owned else 0)
        raise CellError(ngettext("%(hours)s of this day come from %(num)d other entry (timers or the entry form): "
                                 "edit it in My time to go below that.",
                                 "%(hours)s of this day come from %(num)d other entries (timers or the entry form): "
                                 "edit them in My time to go below that.", count, hours=format_hours(others)))
    own_minutes = minutes - others
    try:
        if own_minutes == 0:
            entries.delete_entry(owned)
            return CellChange("deleted", minutes)
        if owned is not None:
            data = entries.EntryData(project=project, start_time=owned.start_time,
                                     end_time=owned.start_time + timedelta(minutes=own_minutes),
                                     description=owned.description, billable=owned.billable, task_id=task_id,
                                     tag_ids=[t.id for t in owned.tags])
            entries.update_entry(actor, owned, data)
            return CellChange("updated", minutes)
        try:
            start = to_utc(day, OWNED_START, person.zone, must_exist=True)
        except NonexistentTimeError:
            start = to_utc(day, time(12, 0), person.zone)
        data = entries.EntryData(project=project, start_time=start, end_time=start + timedelta(minutes=own_minutes),
                                 description=OWNED_DESCRIPTION, billable=project.billable, task_id=task_id)
        entries.create_entry(person, data)
        return CellChange("created", minutes)
    except TimeLogError as exc:
        db.session.rollback()
        raise CellError(str(exc)) from None


def latest_entry(person: User, project: Project, task: Task | None = None) -> TimeLog | None:
    """The person's latest finished entry on the row's project and task (what continuing the row repeats)."""
    return db.session.scalar(select(TimeLog).where(
        TimeLog.user_id == person.id, TimeLog.project_id == project.id, TimeLog.end_time.is_not(None),
        TimeLog.task_id.is_(None) if task is None else TimeLog.task_id == task.id,
    ).order_by(TimeLog.start_time.desc(), TimeLog.id.desc()).limit(1))


def may_edit(actor: User, person: User, project: Project) -> bool:
    return policies.can_edit_time_of(actor, person, project.organization_id)
