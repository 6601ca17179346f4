"""Organizations and teams the user may see: their members, teams and projects."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import policies
from app.extensions import db
from app.models import Membership, Organization, Project, Role, Team, TeamMembership, User

bp = Blueprint("organizations", __name__)

ROLE_ORDER = {str(role): -role.rank for role in Role}


@bp.get("/organizations")
@login_required
def index():
    orgs = list(db.session.scalars(policies.organization_scope(current_user).order_by(Organization.name).limit(500)))
    ids = [o.id for o in orgs]
    members = dict(db.session.execute(
        select(Membership.organization_id, func.count()).where(Membership.organization_id.in_(ids),
                                                               Membership.removed_at.is_(None))
        .group_by(Membership.organization_id)).all())
    teams = dict(db.session.execute(
        select(Team.organization_id, func.count()).where(Team.organization_id.in_(ids))
        .group_by(Team.organization_id)).all())
    return render_template("organizations/index.html", orgs=orgs, members=members, teams=teams)


@bp.get("/organizations/<id:org_id>")
@login_required
def show(org_id):
    return render_show(policies.load(current_user, Organization, org_id))


def render_show(org: Organization, error: str | None = None) -> str:
    """The organization page (also re-rendered with an `error` by a refused member action)."""
    memberships = sorted(
        db.session.scalars(select(Membership).where(Membership.organization_id == org.id,
                                                    Membership.removed_at.is_(None))
                           .options(selectinload(Membership.user))),
        key=lambda m: (ROLE_ORDER.get(m.role, 0), m.user.name.lower()),
    )
    teams = list(db.session.scalars(policies.team_scope(current_user).where(Team.organization_id == org.id)
                                    .order_by(Team.name)))
    projects = list(db.session.scalars(
        policies.project_scope(current_user).where(Project.organization_id == org.id, Project.status == "active")
        .options(selectinload(Project.client), selectinload(Project.team)).order_by(Project.name).limit(200)))
    return render_template(
        "organizations/show.html", org=org, memberships=memberships, teams=teams, projects=projects,
        role=policies.role_in(current_user, org.id), error=error,
        can_dashboard=policies.can_view_dashboard(current_user, "org", org.id),
        can_rates=policies.can_rates(current_user, org.id), can_invoice=policies.can_invoice(current_user, org.id),
        can=lambda action: policies.can_org(current_user, action, org.id),
        can_change_role=lambda m, r: policies.can_change_role(current_user, org, m, Role(r)),
        can_remove=lambda m: policies.can_remove_member(current_user, org, m),
        roles=[r.value for r in Role],
    )


@bp.get("/teams/<id:team_id>")
@login_required
def team(team_id):
    return render_team(policies.load(current_user, Team, team_id))


def render_team(team: Team, error: str | None = None) -> str:
    """The team page (also re-rendered with an `error` by a refused team action)."""
    members = list(db.session.scalars(
        select(User).join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id).order_by(User.name)))
    roles = dict(db.session.execute(
        select(Membership.user_id, Membership.role).where(Membership.organization_id == team.organization_id,
                                                          Membership.removed_at.is_(None),
                                                          Membership.user_id.in_([u.id for u in members]))).all())
    projects = list(db.session.scalars(
        policies.project_scope(current_user).where(Project.team_id == team.id)
        .options(selectinload(Project.client)).order_by(Project.status, Project.name)))
    manage = policies.can_org(current_user, "manage_teams", team.organization_id)
    candidates, other_projects = [], []
    if manage:
        candidates = list(db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == team.organization_id, Membership.removed_at.is_(None),
                   User.id.not_in([u.id for u in members])).order_by(User.name)))
        other_projects = list(db.session.scalars(
            select(Project).where(Project.organization_id == team.organization_id,
                                  (Project.team_id != team.id) | Project.team_id.is_(None)).order_by(Project.name)))
    return render_template(
        "organizations/team.html", team=team, members=members, roles=roles, projects=projects, error=error,
        can_dashboard=policies.can_view_dashboard(current_user, "team", team.id),
        can_see_org=policies.can_view(current_user, team.organization),
        manage=manage, candidates=candidates, other_projects=other_projects,
    )
