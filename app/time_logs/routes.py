from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app import policies
from app.models import Project, TimeLogError
from app.services import timers
from app.time_logs import bp


def _back():
    target = request.referrer or url_for("time_logs.index")
    return redirect(target, code=303)


@bp.post("/time-logs/timer/start")
@login_required
def start():
    project_id = request.form.get("project_id", "")
    if not project_id.isdigit():
        abort(422, "Choose a project to start the timer on.")
    project = policies.load(current_user, Project, project_id)
    try:
        timers.start_timer(current_user, project, request.form.get("description", "").strip())
    except TimeLogError as exc:
        abort(422, str(exc))
    flash(f"Timer started on {project.name}.", "success")
    return _back()


@bp.post("/time-logs/timer/stop")
@login_required
def stop():
    try:
        log = timers.stop_timer(current_user)
    except TimeLogError as exc:
        abort(409, str(exc))
    flash(f"Timer stopped: {log.duration_minutes} min on {log.project.name}.", "success")
    return _back()


@bp.get("/time-logs")
@login_required
def index():
    return "time logs"
