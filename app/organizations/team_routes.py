"""Team management (owners and admins): create, rename, delete, members, projects."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import policies
from app.extensions import db
from app.models import Membership, Project, Team, User
from app.organizations import teams as service
from app.organizations.forms import TeamForm, TeamMemberForm, TeamProjectForm
from app.organizations.people import PeopleError
from app.organizations.routes import bp, render_show, render_team


def _team(team_id: int) -> Team:
    team = policies.load(current_user, Team, team_id)
    if not policies.can_org(current_user, "manage_teams", team.organization_id):
        abort(403)
    return team


def _back(team: Team):
    return redirect(url_for("organizations.team", team_id=team.id), code=303)


def _refused(team: Team, message: str):
    return render_team(team, error=message), 422


@bp.post("/organizations/<id:org_id>/teams")
@login_required
def create_team(org_id):
    org = policies.authorize_org(current_user, "manage_teams", org_id)
    form = TeamForm()
    if not form.validate_on_submit():
        return render_show(org, error=_("Give the team a name (at most 200 characters).")), 422
    team = service.create_team(current_user, org, form.name.data)
    flash(_("Team %(name)s created.", name=team.name), "success")
    return _back(team)


@bp.post("/teams/<id:team_id>/rename")
@login_required
def rename_team(team_id):
    team = _team(team_id)
    form = TeamForm()
    if not form.validate_on_submit():
        return _refused(team, _("Give the team a name (at most 200 characters)."))
    service.rename_team(current_user, team, form.name.data)
    flash(_("Team renamed."), "success")
    return _back(team)


@bp.post("/teams/<id:team_id>/delete")
@login_required
def delete_team(team_id):
    team = _team(team_id)
    org_id, name = team.organization_id, team.name
    service.delete_team(current_user, team)
    flash(_("Team %(name)s deleted; its projects are now organization-wide.", name=name), "success")
    return redirect(url_for("organizations.show", org_id=org_id), code=303)


@bp.post("/teams/<id:team_id>/members")
@login_required
def add_team_member(team_id):
    team = _team(team_id)
    form = TeamMemberForm()
    form.user_id.choices = [SelectChoice(u.id, u.name) for u in _org_people(team)]
    if not form.validate_on_submit():
        return _refused(team, _("Choose a member of the organization."))
    user = db.session.get(User, form.user_id.data)
    try:
        service.add_member(current_user, team, user)
    except PeopleError as exc:
        return _refused(team, str(exc))
    flash(_("%(name)s was added to %(team)s.", name=user.name, team=team.name), "success")
    return _back(team)


@bp.post("/teams/<id:team_id>/members/<id:user_id>/remove")
@login_required
def remove_team_member(team_id, user_id):
    team = _team(team_id)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    service.remove_member(current_user, team, user)
    flash(_("%(name)s was removed from %(team)s.", name=user.name, team=team.name), "success")
    return _back(team)


@bp.post("/teams/<id:team_id>/projects")
@login_required
def assign_project(team_id):
    team = _team(team_id)
    form = TeamProjectForm()
    form.project_id.choices = [SelectChoice(p.id, p.name) for p in db.session.scalars(
        db.select(Project).where(Project.organization_id == team.organization_id))]
    if not form.validate_on_submit():
        return _refused(team, _("Choose a project of this organization."))
    project = db.session.get(Project, form.project_id.data)
    service.assign_project(current_user, team, project)
    flash(_("%(project)s now belongs to %(team)s.", project=project.name, team=team.name), "success")
    return _back(team)


def _org_people(team: Team) -> list[User]:
    return list(db.session.scalars(
        db.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == team.organization_id, Membership.removed_at.is_(None))
        .order_by(User.name)))
