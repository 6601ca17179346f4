"""Projects: list (policy-scoped), create, edit, archive and unarchive (managers and up)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import policies
from app.billing import rate_service
from app.extensions import db
from app.models import Client, Organization, Project, ProjectStatus, Team
from app.models.project import PALETTE
from app.time_tracking.project_forms import ProjectForm
from app.web.form_filters import parse_page
from app.web.views import commit_and_redirect

bp = Blueprint("projects", __name__)

PER_PAGE = 50
STATUSES = ("active", "archived", "all")


def page_arg() -> int:
    return parse_page(request.args.get("page", "1")) or 1


def managing_organizations(user) -> list[Organization]:
    """Organizations where the user may create projects and clients (policies.can_manage_projects)."""
    query = policies.organization_scope(user).order_by(Organization.name)
    return [o for o in db.session.scalars(query) if policies.can_manage_projects(user, o.id)]


def _teams_for(user, orgs) -> tuple[list[Team], set[int]]:
    """Teams a project may go in, and the organizations where the user must pick one (managers)."""
    wide = [o.id for o in orgs if policies.is_org_wide(user, o.id)]
    managed = policies.managed_team_ids(user)
    query = select(Team).where((Team.organization_id.in_(wide)) | (Team.id.in_(managed)))
    teams = list(db.session.scalars(query.options(selectinload(Team.organization)).order_by(Team.name)))
    return teams, {o.id for o in orgs} - set(wide)


def _project_form(orgs, project: Project | None = None) -> ProjectForm:
    org_ids = [o.id for o in orgs]
    clients = list(db.session.scalars(
        select(Client).where(Client.organization_id.in_(org_ids), Client.archived.is_(False))
        .options(selectinload(Client.organization)).order_by(Client.name)))
    if project is not None and project.client is not None and project.client not in clients:
        clients.append(project.client)
    teams, team_required = _teams_for(current_user, orgs)
    return ProjectForm(orgs, clients, teams, team_required_for=team_required,
                       fixed_org=project.organization_id if project else None,
                       obj=project if request.method == "GET" else None)


def _apply(form: ProjectForm, project: Project) -> None:
    project.organization_id = form.organization_id.data
    project.name = form.name.data
    project.client_id = form.client_id.data or None
    project.team_id = form.team_id.data or None
    project.budget_hours = form.budget
    project.billable = form.billable.data
    rate_service.set_project_rate(project, form.rate, actor=current_user)
    project.color = form.color.data or project.color or next_colour(project.organization_id)


def next_colour(organization_id: int) -> str:
    """The palette's colour after the organization's projects so far (new projects tell apart at a glance)."""
    count = db.session.scalar(select(func.count()).select_from(Project).where(
        Project.organization_id == organization_id)) or 0
    return PALETTE[count % len(PALETTE)]


@bp.get("/projects")
@login_required
def index():
    status = request.args.get("status", "active")
    status = status if status in STATUSES else "active"
    query = policies.project_scope(current_user)
    if status != "all":
        query = query.where(Project.status == status)
    query = query.options(selectinload(Project.client), selectinload(Project.team),
                          selectinload(Project.organization)).order_by(Project.name, Project.id)
    page = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    many_orgs = len({p.organization_id for p in page.items}) > 1
    return render_template("projects/index.html", page=page, status=status, many_orgs=many_orgs,
                           can_create=bool(managing_organizations(current_user)))


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def new():
    orgs = managing_organizations(current_user)
    if not orgs:
        abort(403, _("Only managers, admins and owners create projects."))
    form = _project_form(orgs)
    if request.method == "GET":
        form.color.data = next_colour(orgs[0].id)
    if form.validate_on_submit():
        project = Project(status=ProjectStatus.ACTIVE, color=None)
        _apply(form, project)
        db.session.add(project)
        return commit_and_redirect(_("Project %(name)s created.", name=project.name), "projects.index")
    return render_template("projects/form.html", form=form, project=None), (422 if request.method == "POST" else 200)


@bp.route("/projects/<id:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id):
    project = policies.load(current_user, Project, project_id, "edit")
    orgs = [project.organization]
    form = _project_form(orgs, project)
    if request.method == "GET":
        form.client_id.data = project.client_id or 0
        form.team_id.data = project.team_id or 0
        form.budget_hours.data = "" if project.budget_hours is None else f"{project.budget_hours.normalize():f}"
        form.hourly_rate.data = "" if project.hourly_rate is None else f"{project.hourly_rate:.2f}"
    if form.validate_on_submit():
        _apply(form, project)
        return commit_and_redirect(_("Project %(name)s saved.", name=project.name), "projects.index")
    return render_template("projects/form.html", form=form, project=project), (
        422 if request.method == "POST" else 200)


@bp.post("/projects/<id:project_id>/archive")
@login_required
def archive(project_id):
    project = policies.load(current_user, Project, project_id, "edit")
    project.archive()
    return commit_and_redirect(_("Project %(name)s archived.", name=project.name), "projects.index")


@bp.post("/projects/<id:project_id>/unarchive")
@login_required
def unarchive(project_id):
    project = policies.load(current_user, Project, project_id, "edit")
    project.unarchive()
    return commit_and_redirect(_("Project %(name)s is active again.", name=project.name), "projects.index",
                               status="archived")
