"""Time entries and the running timer, through the services the pages use (app/time_tracking/entries.py,
timers.py): every write fans out live like the UI (they call changes.after_commit)."""
from __future__ import annotations

from flask import jsonify, request, url_for

from app import policies
from app.api import pagination, representations
from app.api.auth import api_user
from app.api.entry_input import entry_data, label_errors
from app.api.inputs import Fields, json_body
from app.api.problems import ApiError
from app.api.routes import bp
from app.extensions import db
from app.models import Project, TimeLog, TimeLogError
from app.time_tracking import entries, timers
from app.time_tracking.locks import TimeLocked

LIST_FILTERS = ("user_id", "project_id", "from", "to", "billable", "limit", "cursor")


@bp.get("/time-entries")
def list_entries():
    user = api_user()
    fields = Fields(request.args)
    for name in sorted(set(request.args) - set(LIST_FILTERS)):
        fields.error(name, f"Unknown filter {name}.")
    user_id, project_id = fields.id("user_id"), fields.id("project_id")
    first, last = fields.day("from"), fields.day("to")
    billable = fields.boolean("billable")
    limit = fields.integer("limit", 1, pagination.MAX_LIMIT) or pagination.DEFAULT_LIMIT
    position = None
    if (cursor := fields.string("cursor", max_length=200)) is not None:
        position = pagination.decode(cursor)
        if position is None:
            fields.error("cursor", "This cursor is not one this API gave: start again without it.")
    if first and last and last < first:
        fields.error("to", "to is before from.")
    fields.raise_if_any()

    query = policies.time_log_scope(user)  # the pages' scope: nobody else's entries leak through a filter
    start, end = entries.local_day_bounds(user, first, last)
    if start:
        query = query.where(TimeLog.start_time >= start)
    if end:
        query = query.where(TimeLog.start_time < end)
    if user_id:
        query = query.where(TimeLog.user_id == user_id)
    if project_id:
        query = query.where(TimeLog.project_id == project_id)
    if billable is not None:
        query = query.where(TimeLog.billable.is_(billable))
    if position:
        query = pagination.after(query, position)
    rows = list(db.session.scalars(pagination.ordered(query).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify(data=[representations.time_entry(r) for r in rows],
                   next_cursor=pagination.encode(rows[-1]) if more else None)


@bp.post("/time-entries")
def create_entry():
    user = api_user()
    data = entry_data(user, json_body())
    try:
        log = entries.create_entry(user, data)
    except TimeLocked as exc:
        raise ApiError(409, str(exc), {"entry": str(exc)}) from None
    except TimeLogError as exc:
        raise ApiError(422, str(exc), {"entry": str(exc)}) from None
    response = jsonify(representations.time_entry(log))
    response.status_code = 201
    response.headers["Location"] = url_for("api.entry", entry_id=log.id)
    return response


@bp.get("/time-entries/<id:entry_id>")
def entry(entry_id):
    return jsonify(representations.time_entry(policies.load(api_user(), TimeLog, entry_id)))


@bp.patch("/time-entries/<id:entry_id>")
def update_entry(entry_id):
    user = api_user()
    log = policies.load(user, TimeLog, entry_id, "edit")
    data = entry_data(user, json_body(), log)
    try:
        entries.update_entry(user, log, data)
    except TimeLocked as exc:
        db.session.rollback()
        raise ApiError(409, str(exc), {"entry": str(exc)}) from None
    except TimeLogError as exc:
        db.session.rollback()
        raise ApiError(422, str(exc), {"entry": str(exc)}) from None
    return jsonify(representations.time_entry(log))


@bp.delete("/time-entries/<id:entry_id>")
def delete_entry(entry_id):
    log = policies.load(api_user(), TimeLog, entry_id, "edit")
    try:
        entries.delete_entry(log)
    except TimeLocked as exc:
        db.session.rollback()
        raise ApiError(409, str(exc), {"entry": str(exc)}) from None
    return "", 204


# -- the running timer ----------------------------------------------------------------------------------------
@bp.get("/timer")
def timer():
    running = api_user().running_timer
    return jsonify(timer=representations.time_entry(running) if running else None)


@bp.post("/timer/start")
def start_timer():
    user = api_user()
    fields = Fields(json_body())
    project_id = fields.id("project_id", required=True)
    description = fields.string("description", max_length=10_000) or ""
    task_id, tag_ids = fields.id("task_id"), fields.ids("tag_ids") or []
    for name in sorted(set(fields.data) - {"project_id", "description", "task_id", "tag_ids"}):
        fields.error(name, f"Unknown field {name}.")
    fields.raise_if_any()
    project = policies.load(user, Project, project_id)
    label_errors(fields, project, task_id, tag_ids)
    try:
        log = timers.start_timer(user, project, description.strip(), task_id=task_id, tag_ids=tag_ids)
    except TimeLocked as exc:  # today is locked, or the running timer it would stop first is
        db.session.rollback()
        raise ApiError(409, str(exc)) from None
    except TimeLogError as exc:
        raise ApiError(422, str(exc), {"project_id": str(exc)}) from None
    response = jsonify(timer=representations.time_entry(log))
    response.status_code = 201
    return response


@bp.post("/timer/stop")
def stop_timer():
    try:
        stopped = timers.stop_timer(api_user())
    except TimeLogError as exc:  # no timer running, or its time is locked (the detail names the lock)
        db.session.rollback()
        raise ApiError(409, str(exc)) from None
    return jsonify(timer=None, stopped=representations.time_entry(stopped.log), kept=stopped.kept)
