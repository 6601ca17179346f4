"""The week timesheet page (/timesheet) and its cells: parse, authorize, call timesheet.py, render."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.extensions import db
from app.live.topics import TimesheetTopic
from app.models import Organization, Project, Task, TimeLogError, User
from app.time_tracking import entries, locks, timers, timesheet
from app.time_tracking.timesheet import BadWeek, CellError, Grid, Row, Week
from app.timezones import utcnow
from app.web.form_filters import parse_id

bp = Blueprint("timesheet", __name__)

TURBO_STREAM = "text/vnd.turbo-stream.html"
MAX_ROWS = 100


@bp.app_template_filter("hours")
def hours_filter(minutes: int | None) -> str:
    return timesheet.format_hours(minutes or 0)


def _person(raw: str | None) -> User:
    """Whose week: the signed-in user's, or `?user=<id>` when they may see that person's time (404 otherwise)."""
    raw = (raw or "").strip()
    if not raw:
        return current_user._get_current_object()
    person = db.session.get(User, parse_id(raw)) if parse_id(raw) is not None else None
    if not policies.can_view_time_of(current_user, person):
        abort(404)
    return person


def _organization_ids(person: User) -> list[int]:
    """The person's organizations the viewer may pick on their timesheet: those they share (all for themselves or a
    system admin)."""
    ids = timesheet.organization_ids_of(person)
    if person.id != current_user.id and not current_user.is_system_admin:
        shared = set(policies.organization_ids(current_user))
        ids = [i for i in ids if i in shared] or ids
    return ids


def _organization_id(person: User, raw: str | None) -> int | None:
    """Which of the person's organizations the timesheet shows (`?org=<id>`; default: the first the viewer shares
    with them). Each organization has its own weeks, approvals and locks. One they do not share: 404."""
    ids = _organization_ids(person)
    raw = (raw or "").strip()
    if not raw:
        return ids[0] if ids else None
    chosen = parse_id(raw)
    if chosen not in ids:
        abort(404)
    return chosen


def _extra_rows(person: User, raw_values: list[str]) -> list[str]:
    """`rows=1,2t5` and `add=3`: rows shown without time yet, as row keys (a project the person may log on, or one
    of its tasks; others are dropped)."""
    keys = []
    for raw in raw_values:
        keys.extend(timesheet.parse_row_key(part) for part in raw.split(","))
    loggable = entries.loggable_project_ids(person)
    task_ids = {t for _, t in filter(None, keys) if t}
    task_projects = dict(db.session.execute(select(Task.id, Task.project_id).where(Task.id.in_(task_ids))).all()) \
        if task_ids else {}
    kept = [f"{p}" + (f"t{t}" if t else "") for p, t in filter(None, keys)
            if p in loggable and (t is None or task_projects.get(t) == p)]
    return list(dict.fromkeys(kept))[:MAX_ROWS]


def _row_pairs(keys: list[str]) -> list[tuple[int, int | None]]:
    return [pair for pair in map(timesheet.parse_row_key, keys) if pair]


def _task(project: Project, raw: str | None) -> Task | None:
    """The cell's task (a task of the project), None for the project's own row; 404 for anything else."""
    raw = (raw or "").strip()
    if not raw:
        return None
    task = db.session.get(Task, parse_id(raw)) if parse_id(raw) is not None else None
    if task is None or task.project_id != project.id:
        abort(404)
    return task


def _week_args(person: User, week: Week, rows: list[str] = (), organization_id: int | None = None) -> dict:
    args = {"week": week.label}
    if person.id != current_user.id:
        args["user"] = person.id
    if timesheet.scope_of(person, organization_id) is not None:
        args["org"] = organization_id
    if rows:
        args["rows"] = ",".join(rows)
    return args


def _editable(grid: Grid) -> dict[int, bool]:
    return {p.id: p.is_active and timesheet.may_edit(current_user, grid.person, p) for p in grid.projects}


@bp.get("/timesheet")
@login_required
def show():
    person = _person(request.args.get("user"))
    organization_id = _organization_id(person, request.args.get("org"))
    scope = timesheet.scope_of(person, organization_id)
    try:
        week = timesheet.week_named(person, request.args.get("week"), organization_id)
    except BadWeek as exc:
        abort(400, str(exc))
    rows = _extra_rows(person, request.args.getlist("rows") + request.args.getlist("add"))
    grid = timesheet.grid(person, week, _row_pairs(rows), scope)
    shown = {row.key for row in grid.rows}
    last_week = timesheet.unlocked_keys(grid, _extra_rows(person, timesheet.week_row_keys(person, week.previous,
                                                                                           scope)))
    copy_rows = list(dict.fromkeys([*rows, *last_week]))
    approval = locks.week_approval(organization_id, person.id, week.first)
    people = list(db.session.scalars(policies.people_scope(current_user).order_by(User.name, User.id).limit(500)))
    pickable = _organization_ids(person)
    organizations = [db.session.get(Organization, i) for i in pickable] if len(pickable) > 1 else []
    this_week = timesheet.this_week(person, organization_id)
    return render_template(
        "timesheet/show.html", grid=grid, week=week, person=person, rows=rows, editable=_editable(grid),
        addable=timesheet.addable_rows(person, grid.rows, grid), people=people,
        today=this_week.first, this_week=this_week, organization_id=organization_id, organizations=organizations,
        args=_week_args(person, week, rows, organization_id),
        week_args=lambda w, r=(): _week_args(person, w, r, organization_id),
        copy_rows=copy_rows if set(last_week) - shown else None, now=utcnow(),
        stream_topics=[TimesheetTopic(person.id)], timesheet_description=timesheet.OWNED_DESCRIPTION,
        approval=approval, week_status=locks.week_status(approval),
        may_submit=person.id == current_user.id and organization_id is not None,
        may_unlock=approval is not None and policies.can_unlock_week(current_user, approval),
    )


def _wants_stream() -> bool:
    return request.accept_mimetypes[TURBO_STREAM] > 0 and request.accept_mimetypes.best == TURBO_STREAM


def _cell_streams(grid: Grid, row: Row, day: date, error: str | None = None, typed: str | None = None) -> str:
    """The cell, its row's and day's totals and the week's, as Turbo Streams (rendered for this viewer)."""
    context = {"grid": grid, "editable": _editable(grid), "row": row, "project": row.project, "day": day,
               "now": utcnow(), "args": _week_args(grid.person, grid.week, organization_id=grid.organization_id)}
    parts = [
        ("timesheet/_cell.html", f"ts-cell-{row.key}-{day.isoformat()}", {"error": error, "typed": typed}),
        ("timesheet/_row_total.html", f"ts-row-{row.key}-total", {}),
        ("timesheet/_day_total.html", f"ts-day-{day.isoformat()}-total", {}),
        ("timesheet/_week_total.html", "ts-week-total", {}),
    ]
    return "".join(render_template_stream(template, target, **context, **extra) for template, target, extra in parts)


def render_template_stream(template: str, target: str, **context) -> str:
    """A replace stream rendered in this request (the answer goes to this viewer only, CSRF token included)."""
    html = render_template(template, **context)
    return f'<turbo-stream action="replace" target="{target}"><template>{html}</template></turbo-stream>'


@bp.post("/timesheet/cell")
@login_required
def cell():
    person = _person(request.form.get("user"))
    project = policies.load(current_user, Project, request.form.get("project_id", "").strip())
    task = _task(project, request.form.get("task_id"))
    row = Row(project, task)
    if not timesheet.may_edit(current_user, person, project):
        abort(403, _("You may see %(name)s's time but not change it.", name=person.name))
    try:
        day = date.fromisoformat(request.form.get("day", "").strip())
    except ValueError:
        abort(422, _("Give the cell's day as YYYY-MM-DD."))
    typed = request.form.get("hours", "")
    error = None
    try:
        change = timesheet.set_cell(current_user, person, project, day, timesheet.parse_hours(typed), task)
    except CellError as exc:
        error = str(exc)
    week = timesheet.week_of(person, day, project.organization_id)  # the cell's organization's week
    if _wants_stream():
        grid = timesheet.grid(person, week, [(project.id, row.task_id)],
                              timesheet.scope_of(person, project.organization_id))
        body = _cell_streams(grid, row, day, error, typed[:40] if error else None)
        return body, (422 if error else 200), {"Content-Type": f"{TURBO_STREAM}; charset=utf-8"}
    if error:
        abort(422, error)
    if change.action != "unchanged":
        flash(_("%(row)s on %(day)s: %(hours)s.", row=row.label, day=day.strftime("%a %d %b"),
                hours=timesheet.format_hours(change.minutes) or "0:00"), "success")
    return redirect(url_for("timesheet.show", **_week_args(person, week, [row.key], project.organization_id)),
                    code=303)


@bp.post("/timesheet/continue")
@login_required
def continue_row():
    """Continue a row: a timer on its project (and task), like the person's latest entry there (description, tags,
    billable)."""
    project = policies.load(current_user, Project, request.form.get("project_id", "").strip())
    task = _task(project, request.form.get("task_id"))
    latest = timesheet.latest_entry(current_user, project, task)
    try:
        if latest is not None:
            timers.continue_entry(current_user, latest)
        else:
            timers.start_timer(current_user, project, "", task_id=task.id if task else None)
    except TimeLogError as exc:
        abort(422, str(exc))
    flash(_("Timer started on %(project)s.", project=Row(project, task).label), "success")
    try:
        week = timesheet.week_named(current_user, request.form.get("week"), project.organization_id)
    except BadWeek:
        week = timesheet.this_week(current_user, project.organization_id)
    return redirect(url_for("timesheet.show", **_week_args(current_user, week, (), project.organization_id)),
                    code=303)
