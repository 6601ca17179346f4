"""Teams of an organization: create, rename, delete, add and remove members, assign projects. Each change is
audited, and the people whose access it changes get their sockets re-checked and dashboards refreshed."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Organization, Project, Team, TeamMembership, User
from app.organizations import audit
from app.organizations.people import PeopleError, access_changed


def _member_ids(team: Team) -> list[int]:
    return list(db.session.scalars(select(TeamMembership.user_id).where(TeamMembership.team_id == team.id)))


def create_team(actor: User, organization: Organization, name: str) -> Team:
    team = Team(organization_id=organization.id, name=name)
    db.session.add(team)
    db.session.flush()
    audit.record("team.create", organization=organization, actor=actor, target=name, details={"team_id": team.id})
    db.session.commit()
    return team


def rename_team(actor: User, team: Team, name: str) -> None:
    old, team.name = team.name, name
    audit.record("team.rename", organization=team.organization_id, actor=actor, target=name,
                 details={"team_id": team.id, "from": old})
    db.session.commit()


def delete_team(actor: User, team: Team) -> None:
    """Its projects stay, organization-wide (team_id SET NULL by the database); its memberships go."""
    organization, members = team.organization, _member_ids(team)
    db.session.execute(Project.__table__.update().where(Project.team_id == team.id).values(team_id=None))
    audit.record("team.delete", organization=organization, actor=actor, target=team.name, details={"team_id": team.id})
    db.session.delete(team)
    db.session.commit()
    access_changed(organization, members)


def add_member(actor: User, team: Team, user: User) -> None:
    if user.membership_in(team.organization_id) is None:
        raise PeopleError(_("Only members of the organization can join its teams."))
    if user.id in _member_ids(team):
        return
    db.session.add(TeamMembership(team_id=team.id, user_id=user.id))
    audit.record("team.member_add", organization=team.organization_id, actor=actor,
                 target=f"{user.email} → {team.name}", details={"team_id": team.id, "user_id": user.id})
    db.session.commit()
    access_changed(team.organization, [user.id], [team.id])


def remove_member(actor: User, team: Team, user: User) -> None:
    membership = db.session.scalar(select(TeamMembership).where(TeamMembership.team_id == team.id,
                                                                TeamMembership.user_id == user.id))
    if membership is None:
        return
    db.session.delete(membership)
    audit.record("team.member_remove", organization=team.organization_id, actor=actor,
                 target=f"{user.email} ← {team.name}", details={"team_id": team.id, "user_id": user.id})
    db.session.commit()
    access_changed(team.organization, [user.id], [team.id])


def assign_project(actor: User, team: Team | None, project: Project) -> None:
    """Assign a project to a team (or, with None, to the whole organization)."""
    old = project.team_id
    project.team_id = team.id if team else None
    audit.record("team.project_assign", organization=project.organization_id, actor=actor,
                 target=f"{project.name} → {team.name if team else 'whole organization'}",
                 details={"project_id": project.id, "from_team_id": old, "to_team_id": project.team_id})
    db.session.commit()
    teams = [t for t in (old, project.team_id) if t]
    members = set(db.session.scalars(select(TeamMembership.user_id).where(TeamMembership.team_id.in_(teams))))
    access_changed(project.organization, members, teams)
