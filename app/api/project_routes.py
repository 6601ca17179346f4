"""Projects and clients: list and get (the pages' scopes), create and update where the pages allow, checked by the
pages' own forms (fed the JSON instead of a form post)."""
from __future__ import annotations

from flask import jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app import policies
from app.api import representations
from app.api.auth import api_user
from app.api.inputs import Fields, json_body
from app.api.problems import ApiError
from app.api.routes import bp
from app.billing import rate_service
from app.extensions import db
from app.models import Client, Project, ProjectStatus
from app.time_tracking import client_routes
from app.time_tracking.project_forms import ClientForm, ProjectForm
from app.time_tracking.project_routes import _teams_for, managing_organizations

PROJECT_FIELDS = ("organization_id", "name", "client_id", "team_id", "budget_hours", "billable", "hourly_rate",
                  "status")
CLIENT_FIELDS = ("organization_id", "name", "archived")


def _formdata(data: dict, allowed: tuple[str, ...]) -> MultiDict:
    """JSON values as a form post would carry them (a false boolean is an absent checkbox)."""
    fields = Fields(data)
    for name in sorted(set(data) - set(allowed)):
        fields.error(name, f"Unknown field {name}.")
    for name, value in data.items():
        if name in allowed and value is not None and not isinstance(value, (str, int, float, bool)):
            fields.error(name, f"{name} must be a string, a number or a boolean.")
    fields.raise_if_any()
    form = MultiDict()
    for name, value in data.items():
        if value is None or value is False:
            continue
        form[name] = "y" if value is True else str(value)
    return form


def _form_errors(form) -> dict[str, str]:
    return {name: errors[0] for name, errors in form.errors.items() if errors}


def _created(payload: dict, location: str):
    response = jsonify(payload)
    response.status_code = 201
    response.headers["Location"] = location
    return response


# -- projects -------------------------------------------------------------------------------------------------
@bp.get("/projects")
def projects():
    user = api_user()
    status = request.args.get("status", "active")
    if status not in ("active", "archived", "all"):
        raise ApiError(422, "Unknown status.", {"status": "status must be active, archived or all."})
    query = policies.project_scope(user)
    if status != "all":
        query = query.where(Project.status == status)
    rows = db.session.scalars(query.options(selectinload(Project.rates)).order_by(Project.name, Project.id).limit(1000))
    return jsonify(data=[representations.project(p) for p in rows])


@bp.get("/projects/<id:project_id>")
def project(project_id):
    return jsonify(representations.project(policies.load(api_user(), Project, project_id)))


def _project_form(user, orgs, formdata: MultiDict, project: Project | None = None) -> ProjectForm:
    org_ids = [o.id for o in orgs]
    clients = list(db.session.scalars(select(Client).where(Client.organization_id.in_(org_ids),
                                                           Client.archived.is_(False))))
    if project is not None and project.client is not None and project.client not in clients:
        clients.append(project.client)
    teams, team_required = _teams_for(user, orgs)
    return ProjectForm(orgs, clients, teams, team_required_for=team_required,
                       fixed_org=project.organization_id if project else None, formdata=formdata,
                       meta={"csrf": False})


def _apply(form: ProjectForm, record: Project) -> None:
    record.organization_id = form.organization_id.data
    record.name = form.name.data
    record.client_id = form.client_id.data or None
    record.team_id = form.team_id.data or None
    record.budget_hours = form.budget
    record.billable = form.billable.data
    rate_service.set_project_rate(record, form.rate, actor=api_user())


@bp.post("/projects")
def create_project():
    user = api_user()
    data = json_body()
    orgs = managing_organizations(user)
    if not orgs:
        raise ApiError(403, "Only managers, admins and owners create projects.")
    data.setdefault("billable", True)
    data.pop("status", None)
    form = _project_form(user, orgs, _formdata(data, PROJECT_FIELDS))
    if not form.validate():
        raise ApiError(422, "Some fields are not valid.", _form_errors(form))
    record = Project(status=ProjectStatus.ACTIVE)
    _apply(form, record)
    db.session.add(record)
    db.session.commit()
    return _created(representations.project(record), url_for("api.project", project_id=record.id))


@bp.patch("/projects/<id:project_id>")
def update_project(project_id):
    user = api_user()
    record = policies.load(user, Project, project_id, "edit")
    data = json_body()
    status = data.pop("status", None)
    if status is not None and status not in (ProjectStatus.ACTIVE, ProjectStatus.ARCHIVED):
        raise ApiError(422, "Unknown status.", {"status": "status must be active or archived."})
    current = representations.project(record)
    merged = {name: current[name] for name in ("name", "client_id", "team_id", "budget_hours", "billable",
                                               "hourly_rate")}
    merged.update(data)
    form = _project_form(user, [record.organization], _formdata(merged, PROJECT_FIELDS), record)
    if not form.validate():
        raise ApiError(422, "Some fields are not valid.", _form_errors(form))
    _apply(form, record)
    if status == ProjectStatus.ARCHIVED:
        record.archive()
    elif status == ProjectStatus.ACTIVE:
        record.unarchive()
    db.session.commit()
    return jsonify(representations.project(record))


# -- clients --------------------------------------------------------------------------------------------------
def _require_client_manager(user) -> list:
    orgs = managing_organizations(user)
    if not orgs:
        raise ApiError(403, "Only managers, admins and owners manage clients.")
    return orgs


@bp.get("/clients")
def clients():
    user = api_user()
    _require_client_manager(user)
    rows = db.session.scalars(policies.client_scope(user).order_by(Client.name, Client.id).limit(1000))
    return jsonify(data=[representations.client(c) for c in rows])


@bp.get("/clients/<id:client_id>")
def client(client_id):
    return jsonify(representations.client(policies.load(api_user(), Client, client_id)))


@bp.post("/clients")
def create_client():
    user = api_user()
    data = json_body()
    orgs = _require_client_manager(user)
    data.pop("archived", None)
    form = ClientForm(orgs, formdata=_formdata(data, CLIENT_FIELDS), meta={"csrf": False})
    record = Client()
    if not (form.validate() and client_routes._save(form, record)):
        raise ApiError(422, "Some fields are not valid.", _form_errors(form))
    return _created(representations.client(record), url_for("api.client", client_id=record.id))


@bp.patch("/clients/<id:client_id>")
def update_client(client_id):
    user = api_user()
    record = policies.load(user, Client, client_id, "edit")
    data = json_body()
    archived = data.pop("archived", None)
    if archived is not None and not isinstance(archived, bool):
        raise ApiError(422, "Some fields are not valid.", {"archived": "archived must be true or false."})
    form = ClientForm([record.organization], fixed_org=record.organization_id,
                      formdata=_formdata({"name": record.name, **data}, CLIENT_FIELDS), meta={"csrf": False})
    if not (form.validate() and client_routes._save(form, record)):
        raise ApiError(422, "Some fields are not valid.", _form_errors(form))
    if archived is not None:
        record.archive() if archived else record.unarchive()
        db.session.commit()
    return jsonify(representations.client(record))
