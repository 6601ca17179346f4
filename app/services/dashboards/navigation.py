"""The dashboards a user may open, for the dashboard navigation (policy-checked, two small queries)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from app import policies
from app.extensions import db
from app.models import Organization, Team, User
from app.services.dashboards.keys import SYSTEM_KEY, org_key, team_key, user_key


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    key: str
    group: str


def dashboard_links(user: User) -> list[Link]:
    links = [Link("My dashboard", "/dashboard", user_key(user.id), "Me")]
    wide = [m.organization_id for m in user.memberships if m.role in policies.ORG_WIDE_ROLES]
    managed = policies.managed_team_ids(user)
    if wide or managed:
        teams = db.session.execute(
            select(Team.id, Team.name).where(or_(Team.organization_id.in_(wide), Team.id.in_(managed)))
            .order_by(Team.name).limit(50)
        ).all()
        links += [Link(name, f"/dashboard/team/{tid}", team_key(tid), "Teams") for tid, name in teams]
    if wide:
        orgs = db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(wide)).order_by(Organization.name)
        ).all()
        links += [Link(name, f"/dashboard/org/{oid}", org_key(oid), "Organizations") for oid, name in orgs]
    if user.is_system_admin:
        links.append(Link("System", "/dashboard/system", SYSTEM_KEY, "Platform"))
    return links
