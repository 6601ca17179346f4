"""Time pages: the timer (start/stop from any page), the list of logs, and manual entries."""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import selectinload

from app import policies
from app.extensions import db
from app.models import Project, TimeLog, TimeLogError
from app.time_tracking import entries as time_entries
from app.time_tracking import favourites, labels, my_time, offline_sync, start_menu, timers, undo
from app.time_tracking.forms import EntryForm
from app.time_tracking.locks import TimeLocked
from app.time_tracking.my_time import MyTimeFilters
from app.timezones import to_local, utcnow
from app.web.form_filters import parse_id
from app.web.local_paths import local_path

bp = Blueprint("time_logs", __name__)

CHOOSE_PROJECT = _l("Choose a project to start the timer on.")
PER_PAGE = 20  # entries a page (My time is paginated by entries, grouped by day)
SYNC_BODY_LIMIT = 64 * 1024  # bytes of an offline queue (offline_sync.MAX_ACTIONS changes fit in a few KB)
SYNC_MESSAGES = 5  # outcomes of a sync flashed one by one; more are summed up (the session cookie holds them)


@bp.app_template_global()
def loggable_projects(user) -> list[Project]:
    """The projects the user may start a timer on: the header's Start menu reads them once for its project picker,
    its recent work and its favourites (also when the header is streamed)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return time_entries.loggable_projects(user)


@bp.app_template_global()
def recent_work(user, projects=None) -> list[TimeLog]:
    """The header Start menu's recent work (start_menu.recent_work), for the signed-in or streamed-to user;
    `projects`: loggable_projects(), when the page has them."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return start_menu.recent_work(user, projects=projects)


@bp.app_template_global()
def timer_labels(projects) -> dict:
    """The tasks and tags the start-timer form offers for these projects."""
    return {"tasks": labels.tasks_of(p.id for p in projects),
            "tags": labels.tags_of({p.organization_id for p in projects})}


@bp.app_template_global()
def can_edit(user, record) -> bool:
    return policies.can_edit(user, record)


def _back():
    """303 to the page the form was posted from, if it is ours; else to the time list."""
    path = local_path(request.form.get("next") or request.referrer)
    return redirect(path or url_for("time_logs.index"), code=303)


@bp.post("/time-logs/timer/start")
@login_required
def start():
    project_id = request.form.get("project_id", "").strip()
    if parse_id(project_id) is None:  # nothing chosen: the Start menu again, asking for a project inline
        return render_template("time_logs/start.html", start_error=str(CHOOSE_PROJECT)), 422
    project = policies.load(current_user, Project, project_id)
    try:
        task_id, tag_ids = labels.parse_choice(request.form.get("task_id", ""), request.form.getlist("tag_ids"))
        _started, stopped = timers.start_timer_after(current_user, project,
                                                     request.form.get("description", "").strip(), task_id, tag_ids)
    except TimeLogError as exc:
        abort(422, str(exc))
    if stopped is not None and not stopped.kept:
        flash(str(timers.NOT_KEPT), "info")
    flash(_("Timer started on %(project)s.", project=project.name), "success")
    return _back()


@bp.post("/time-logs/timer/stop")
@login_required
def stop():
    try:
        stopped = timers.stop_timer(current_user)
    except TimeLogError as exc:
        abort(409, str(exc))
    if stopped.kept:
        flash(_("Timer stopped: %(minutes)s min on %(project)s.", minutes=stopped.log.duration_minutes,
                project=stopped.log.project.name), "success")
    else:
        flash(str(timers.NOT_KEPT), "info")
    return _back()


@bp.post("/time-logs/timer/pause")
@login_required
def pause():
    try:
        timers.pause_timer(current_user)
    except TimeLogError as exc:
        abort(409, str(exc))
    flash(_("Timer paused."), "success")
    return _back()


@bp.post("/time-logs/timer/resume")
@login_required
def resume():
    try:
        log = timers.resume_timer(current_user)
    except TimeLogError as exc:
        abort(409, str(exc))
    flash(_("Timer resumed on %(project)s.", project=log.project.name), "success")
    return _back()


@bp.post("/time-logs/timer/idle")
@login_required
def idle():
    """The answer to "you were away": keep the time, discard the idle time, or stop when you left."""
    action = request.form.get("action", "")
    try:
        since = timers.parse_idle_since(request.form.get("since", ""))
        if action not in timers.IDLE_ACTIONS:
            raise TimeLogError(_("Choose keep, discard or stop for the idle time."))
        if current_user.running_timer is None:
            abort(409, _("No timer is running."))
        log = timers.resolve_idle(current_user, action, since)
    except TimeLogError as exc:
        abort(422, str(exc))
    if action == "keep":
        message = _("Idle time kept.")
    elif action == "discard":
        message = _("Idle time discarded: the timer goes on on %(project)s.", project=log.project.name) if log else \
            _("Idle time discarded.")
    else:
        message = _("Timer stopped when you left.")
    flash(message, "success")
    return _back()


@bp.get("/time-logs/timer/sync")
def sync_token():
    """Asked by a page before it sends its offline queue: who is signed in, and a CSRF token of this session (the
    page may be one the service worker kept from an earlier one). Signed out it answers 401, not the sign-in
    redirect: the page asks every few seconds, and each redirect would flash "Please sign in" once more."""
    if not current_user.is_authenticated:
        response = jsonify(error="Sign in to send the timer changes made offline.")
        response.status_code = 401
    else:
        response = jsonify(csrf_token=generate_csrf(), user_id=current_user.id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/time-logs/timer/sync")
@login_required
def sync():
    """Timer changes made offline, applied at their own times (offline_sync.py). Answers each change's outcome;
    the messages are also flashed, for the page the person sees next. A queue it cannot read is refused whole,
    and the page drops it (it would be refused again): the flashed message says so."""
    if not request.is_json:  # the input guard scans JSON bodies for NUL bytes, and only those
        return _sync_refused(_("Send the changes as JSON."), 415)
    if (request.content_length or 0) > SYNC_BODY_LIMIT:
        return _sync_refused(_("Too many changes at once."), 413)
    try:
        actions = offline_sync.parse(json.loads(request.get_data(cache=False) or b"null"), current_user)
    except (ValueError, RecursionError):
        return _sync_refused(_("Send the changes as JSON."), 400)
    except offline_sync.NotTheirs as exc:
        return {"error": str(exc)}, 409  # kept on the device for the person who made them
    except offline_sync.SyncRequestError as exc:
        return _sync_refused(str(exc), 422)
    outcomes = offline_sync.apply(current_user, actions)
    # the refused first: their reasons are what the person must read
    for outcome in sorted(outcomes, key=lambda outcome: outcome.status != "refused")[:SYNC_MESSAGES]:
        flash(outcome.message, {"applied": "success", "already": "info"}.get(outcome.status, "error"))
    if len(outcomes) > SYNC_MESSAGES:
        flash(_("… and %(count)s more changes made offline.", count=len(outcomes) - SYNC_MESSAGES), "info")
    return {"results": [outcome.as_json() for outcome in outcomes]}


def _sync_refused(message: str, status: int):
    flash(_("Timer changes made offline could not be saved: %(reason)s", reason=message), "error")
    return {"error": message}, status


@bp.get("/time-logs")
@login_required
def index():
    """My time: your own entries by default (?who= another person you may see, or all), by day, newest first."""
    filters = MyTimeFilters.parse(request.args)
    query = my_time.scoped(current_user, filters)
    first, end = time_entries.local_day_bounds(current_user, filters.first, filters.last)
    if first:
        query = query.where(TimeLog.start_time >= first)
    if end:
        query = query.where(TimeLog.start_time < end)
    if filters.project_id:
        project = db.session.get(Project, filters.project_id)
        if project is None or not policies.can_view(current_user, project):
            filters.errors.append(_("That project is unknown: the project filter was ignored."))
            filters.project_id = None
        else:
            query = query.where(TimeLog.project_id == project.id)
    listed = query.options(selectinload(TimeLog.project), selectinload(TimeLog.user)).order_by(
        TimeLog.start_time.desc(), TimeLog.id.desc())
    page = db.paginate(listed, page=filters.page, per_page=PER_PAGE, error_out=False)
    visible_projects = db.session.scalars(policies.project_scope(current_user).order_by(Project.name).limit(500))
    loggable = time_entries.loggable_projects(current_user)
    html = render_template(
        "time_logs/index.html", page=page, filters=filters, projects=list(visible_projects), loggable=loggable,
        days=my_time.by_day(current_user, page.items, query), people=my_time.people(current_user),
        many_orgs=len({p.organization_id for p in loggable}) > 1, running=current_user.running_timer, now=utcnow(),
        pins=favourites.pinned(current_user), tags=labels.tags_of(policies.organization_ids(current_user)),
    )
    return html, (422 if filters.errors else 200)


@bp.post("/time-logs/<id:log_id>/continue")
@login_required
def continue_entry(log_id):
    """A new running timer like this entry (project, description, billable); the running one stops first."""
    log = policies.load(current_user, TimeLog, log_id)
    if log.user_id != current_user.id:
        abort(403, _("You can continue only your own entries."))
    try:
        timers.continue_entry(current_user, log)
    except TimeLogError as exc:
        abort(422, str(exc))
    flash(_("Timer started on %(project)s.", project=log.project.name), "success")
    return _back()


def _render_form(form: EntryForm, log: TimeLog | None, status: int, back: str | None = None):
    return render_template("time_logs/form.html", form=form, log=log, back=back), status


def _entry_data(form: EntryForm, log: TimeLog | None = None) -> time_entries.EntryData:
    """The form's values; an edit that leaves the times as the form showed them keeps the stored times
    (to the second), so changing only the description does not round them to the minute."""
    if log is not None and _shown_times(log) == _submitted_times(form):
        start, end = log.start_time, log.end_time
    else:
        start, end = time_entries.entry_times(current_user, form.day.data, form.start.data, form.end.data,
                                              form.duration_minutes if form.duration.data else None,
                                              keep_running=log is not None and log.is_running,
                                              longest_minutes=form.longest_minutes)
    return time_entries.EntryData(project=form.project, start_time=start, end_time=end,
                                  description=form.description.data, billable=form.billable.data,
                                  task_id=form.task_id.data or None, tag_ids=list(form.tag_ids.data or []))


@bp.route("/time-logs/new", methods=["GET", "POST"])
@login_required
def new():
    form = EntryForm(time_entries.loggable_projects(current_user))
    if request.method == "GET":
        form.day.data = to_local(utcnow(), current_user.zone).date()
        if parse_id(request.args.get("project", "")) is not None:
            form.project_id.data = parse_id(request.args["project"])
        form.default_billable()
    if form.validate_on_submit():
        try:
            log = time_entries.create_entry(current_user, _entry_data(form))
        except TimeLogError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Added %(minutes)s min on %(project)s.", minutes=log.duration_minutes, project=log.project.name),
                  "success")
            return redirect(url_for("time_logs.index"), code=303)
    return _render_form(form, None, 422 if request.method == "POST" else 200)


@bp.route("/time-logs/<id:log_id>/edit", methods=["GET", "POST"])
@login_required
def edit(log_id):
    log = policies.load(current_user, TimeLog, log_id, "edit")
    back = local_path(request.values.get("next"))  # where the edit was opened from (a report's Detailed page)
    projects = time_entries.loggable_projects(current_user)
    if log.project_id not in {p.id for p in projects}:
        projects.append(log.project)
    form = EntryForm(projects, allow_running=log.is_running, longest_minutes=time_entries.longest_entry_minutes(log))
    if request.method == "GET":
        _fill(form, log)
    if form.validate_on_submit():
        try:
            time_entries.update_entry(current_user, log, _entry_data(form, log))
        except TimeLogError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(_("Entry updated."), "success")
            return redirect(back or url_for("time_logs.index"), code=303)
    return _render_form(form, log, 422 if request.method == "POST" else 200, back)


@bp.post("/time-logs/<id:log_id>/delete")
@login_required
def delete(log_id):
    log = policies.load(current_user, TimeLog, log_id, "edit")
    try:
        gone = time_entries.delete_entry(log)
    except TimeLocked as exc:
        flash(str(exc), "error")
        return redirect(url_for("time_logs.index"), code=303)
    flash(_("Entry deleted."), "success")
    token = undo.remember(gone, current_user)
    if token:
        flash(token, "undo")  # shown as a toast with an Undo button (time_logs/_undo_toast.html)
    return redirect(url_for("time_logs.index"), code=303)


@bp.post("/time-logs/undo")
@login_required
def undo_delete():
    try:
        undo.restore(current_user, request.form.get("token", ""))
    except undo.UndoExpired as exc:
        abort(410, str(exc))
    except TimeLogError as exc:
        abort(409, str(exc))
    flash(_("Entry restored."), "success")
    return redirect(url_for("time_logs.index"), code=303)


def _shown_times(log: TimeLog) -> tuple:
    """(day, start, end, duration in minutes) as the edit form shows a log: in the user's zone, to the
    minute (an entry past midnight shows as a duration)."""
    zone = current_user.zone
    start = to_local(log.start_time, zone).replace(second=0, microsecond=0)
    end = duration = None
    if log.end_time is not None:
        local_end = to_local(log.end_time, zone).replace(second=0, microsecond=0)
        if local_end.date() == start.date() and local_end > start:
            end = local_end.time()
        else:
            duration = max(1, round((log.end_time - log.start_time).total_seconds() / 60))
    return start.date(), start.time(), end, duration


def _submitted_times(form: EntryForm) -> tuple:
    return (form.day.data, form.start.data, form.end.data,
            form.duration_minutes if form.duration.data else None)


def _fill(form: EntryForm, log: TimeLog) -> None:
    form.project_id.data = log.project_id
    day, start, end, duration = _shown_times(log)
    form.day.data, form.start.data, form.end.data = day, start, end
    form.duration.data = "" if duration is None else str(duration)
    form.description.data = log.description
    form.billable.data = log.billable
    form.task_id.data = log.task_id or 0
    form.tag_ids.data = [tag.id for tag in log.tags]
