"""Setting and removing rates (issue 21): one call each, audited, joining the caller's transaction.

A rate is added effective from a day; a rate already in effect stays (it prices the past), only a future one
(effective after today) may be removed.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Organization, Project, Rate, User
from app.organizations import audit


class RateError(ValueError):
    """A rate that may not be removed (already in effect)."""


def _describe(rate: Rate) -> str:
    who = []
    if rate.user is not None:
        who.append(rate.user.email)
    if rate.project is not None:
        who.append(f"project {rate.project.name}")
    return " on ".join(who) or "organization default"


def add(organization: Organization, *, kind: str, amount: Decimal | None, effective_from: date, actor: User | None,
        user: User | None = None, project: Project | None = None) -> Rate:
    """A rate at the level user/project name (neither: the organization's default), from effective_from on.
    A second rate of one level, kind and day replaces the first (the later one wins in the resolver)."""
    rate = Rate(organization_id=organization.id, user_id=user.id if user else None, user=user,
                project_id=project.id if project else None, project=project, kind=kind, amount=amount,
                effective_from=effective_from, created_by=getattr(actor, "id", None))
    db.session.add(rate)
    audit.record("rate.create", organization=organization, actor=actor, target=_describe(rate),
                 details={"kind": kind, "amount": None if amount is None else f"{amount:.2f}",
                          "effective_from": effective_from.isoformat()})
    return rate


def remove(rate: Rate, *, actor: User | None, today: date | None = None) -> None:
    if not rate.is_future(today or date.today()):
        raise RateError("Only a rate that is not yet in effect can be removed; add a new rate to change it.")
    audit.record("rate.remove", organization=rate.organization_id, actor=actor, target=_describe(rate),
                 details={"kind": rate.kind, "amount": None if rate.amount is None else f"{rate.amount:.2f}",
                          "effective_from": rate.effective_from.isoformat()})
    db.session.delete(rate)


def history(organization_id: int, *, project_id: int | None = None) -> list[Rate]:
    """The organization's default and member rates (project_id None), or one project's project and
    member-on-project rates; newest effective first."""
    query = select(Rate).where(Rate.organization_id == organization_id)
    query = query.where(Rate.project_id.is_(None)) if project_id is None else query.where(Rate.project_id == project_id)
    return list(db.session.scalars(query.order_by(Rate.user_id.is_not(None), Rate.kind, Rate.effective_from.desc(),
                                                  Rate.id.desc())))
