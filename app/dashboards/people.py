"""An organization's people on its dashboard: members by role, teams, former members. Invitations accepted,
roles changed and removals recompute it (app/organizations/people.py marks the dashboard dirty), so it counts live."""
from __future__ import annotations

from sqlalchemy import and_, case, func, select

from app.extensions import db
from app.models import Membership, Role, Team


def org_people(ctx) -> dict:
    """One query: current members by role, former members, teams."""
    org_id = ctx.subject.id
    current = Membership.removed_at.is_(None)
    roles = list(Role)
    columns = [func.coalesce(func.sum(case((and_(current, Membership.role == r.value), 1), else_=0)), 0)
               for r in roles]
    columns.append(func.coalesce(func.sum(case((Membership.removed_at.is_not(None), 1), else_=0)), 0))
    columns.append(select(func.count()).select_from(Team).where(Team.organization_id == org_id).scalar_subquery())
    row = db.session.execute(select(*columns).where(Membership.organization_id == org_id)).one()
    by_role = {r.value: int(row[i] or 0) for i, r in enumerate(roles)}
    return {"people": sum(by_role.values()), "by_role": by_role, "former": int(row[-2] or 0),
            "teams": int(row[-1] or 0)}
