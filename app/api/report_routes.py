"""Reports as jobs: POST /reports asks for one (app/reports/runs.py enqueues its job), GET /reports/<id> its
status, GET /reports/<id>/file the file once it is done. The pages' policies: a report is its owner's, and its
organization's owners' and admins'."""
from __future__ import annotations

from flask import jsonify, send_file, url_for

from app import policies
from app.api import representations
from app.api.auth import api_user, current_token
from app.api.inputs import json_body
from app.api.problems import ApiError
from app.api.routes import bp
from app.extensions import db, limiter
from app.models import Organization, Report
from app.reports import archival, files, limits, runs
from app.reports.params import ParamError, ReportParams, check
from app.timezones import to_local, utcnow

LIST_FIELDS = ("groups", "project_ids", "client_ids", "user_ids", "team_ids")
TEXT_FIELDS = ("range", "date_from", "date_to", "billable", "rounding", "hours_format", "format")


def _params(user, data: dict) -> ReportParams:
    errors = {}
    known = set(ReportParams.__dataclass_fields__) - {"time_zone"}
    for name in sorted(set(data) - known):
        errors[name] = f"Unknown field {name}."
    org_id = data.get("organization_id")
    if not isinstance(org_id, int) or isinstance(org_id, bool):
        errors["organization_id"] = "organization_id must be an organization's id."
    for name in LIST_FIELDS:
        if name in data and not isinstance(data[name], list):
            errors[name] = f"{name} must be a list."
    for name in TEXT_FIELDS:
        if name in data and data[name] is not None and not isinstance(data[name], str):
            errors[name] = f"{name} must be a string."
    if "rounding_minutes" in data and (not isinstance(data["rounding_minutes"], int)
                                       or isinstance(data["rounding_minutes"], bool)):
        errors["rounding_minutes"] = "rounding_minutes must be an integer."
    if errors:
        raise ParamError(errors)
    values = {k: v for k, v in data.items() if k in known}
    if "date_from" in values or "date_to" in values:
        values.setdefault("range", "custom")
    params = ReportParams(**{**values, "time_zone": user.time_zone or "UTC"})
    org = db.session.get(Organization, params.organization_id)
    if org is None or not policies.can_report_on(user, org.id):
        raise ParamError({"organization_id": "Choose one of your organizations."})
    return check(params.resolved(to_local(utcnow(), user.zone).date(), org.week_start or 0))


def _report_starts_key() -> str:
    """The same counter as the pages' report starts (app/reports/limits.py): per user, whichever way they ask."""
    token = current_token()
    return f"user:{token.user_id}" if token is not None else f"api-anonymous:{limits._key()}"


@bp.post("/reports")
@limiter.shared_limit(limits._limit, scope=limits.SCOPE, key_func=_report_starts_key, methods=["POST"],
                      error_message=limits.message)
def create_report():
    user = api_user()
    try:
        params = _params(user, json_body())
    except ParamError as exc:
        raise ApiError(422, "Some fields are not valid.", exc.errors) from None
    report = runs.create_report(user, params)
    response = jsonify(representations.report(report, has_file=False))
    response.status_code = 202
    response.headers["Location"] = url_for("api.report", report_id=report.id)
    return response


@bp.get("/reports/<id:report_id>")
def report(report_id):
    record = runs.sync_with_job(policies.load(api_user(), Report, report_id))
    return jsonify(representations.report(record, files.file_exists(record)))


@bp.get("/reports/<id:report_id>/file")
def report_file(report_id):
    record = runs.sync_with_job(policies.load(api_user(), Report, report_id))
    if record.status != "completed":
        raise ApiError(409, f"This report is {record.status}: its file is not ready.")
    if not files.file_exists(record):
        raise ApiError(404, "The report's file is gone (archived or deleted): ask for the report again.")
    ext = (record.file_name or "").rsplit(".", 1)[-1]
    return send_file(archival.open_file(record), mimetype=files.MIME.get(ext, "application/octet-stream"),
                     as_attachment=True, download_name=record.file_name, max_age=0)
