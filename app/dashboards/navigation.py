"""The dashboards a user may open, for the dashboard navigation (policy-checked, two small queries)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app import policies
from app.extensions import db
from app.live.topics import SYSTEM_DASHBOARD, DashboardKey
from app.models import Organization, Team, User


@dataclass(frozen=True)
class Link:
    label: str
    key: DashboardKey
    group: str

    @property
    def url(self) -> str:
        return self.key.url


def dashboard_links(user: User) -> list[Link]:
    links = [Link(_("My dashboard"), DashboardKey("user", user.id), "Me")]
    wide = policies.org_wide_ids(user)
    managed = policies.managed_team_ids(user)
    if wide or managed:
        teams = db.session.execute(
            select(Team.id, Team.name).where(or_(Team.organization_id.in_(wide), Team.id.in_(managed)))
            .order_by(Team.name).limit(50)
        ).all()
        links += [Link(name, DashboardKey("team", tid), "Teams") for tid, name in teams]
    if wide:
        orgs = db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(wide)).order_by(Organization.name)
        ).all()
        links += [Link(name, DashboardKey("org", oid), "Organizations") for oid, name in orgs]
    if user.is_system_admin:
        links.append(Link(_("System"), SYSTEM_DASHBOARD, "Platform"))
    return links
