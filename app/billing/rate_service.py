"""Setting and removing rates (issue 21): one call each, joining the caller's transaction; each sends its signal
(app/billing/events.py) in that transaction, and the audit trail records it.

A rate is added effective from a day; a rate already in effect stays (it prices the past), only a future one
(effective after today) may be removed.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.billing import events
from app.extensions import db
from app.models import Organization, Project, Rate, User


class RateError(ValueError):
    """A rate that may not be removed (already in effect)."""


def add(organization: Organization, *, kind: str, amount: Decimal | None, effective_from: date, actor: User | None,
        user: User | None = None, project: Project | None = None) -> Rate:
    """A rate at the level user/project name (neither: the organization's default), from effective_from on.
    A second rate of one level, kind and day replaces the first (the later one wins in the resolver)."""
    rate = Rate(organization_id=organization.id, user_id=user.id if user else None, user=user,
                project_id=project.id if project else None, project=project, kind=kind, amount=amount,
                effective_from=effective_from, created_by=getattr(actor, "id", None))
    db.session.add(rate)
    events.rate_added.send(None, rate=rate, actor=actor)
    return rate


def remove(rate: Rate, *, actor: User | None, today: date | None = None) -> None:
    if not rate.is_future(today or date.today()):
        raise RateError(_("Only a rate that is not yet in effect can be removed; add a new rate to change it."))
    events.rate_removed.send(None, rate=rate, actor=actor)
    db.session.delete(rate)


def history(organization_id: int, *, project_id: int | None = None) -> list[Rate]:
    """The organization's default and member rates (project_id None), or one project's project and
    member-on-project rates; newest effective first."""
    query = select(Rate).where(Rate.organization_id == organization_id)
    query = query.where(Rate.project_id.is_(None)) if project_id is None else query.where(Rate.project_id == project_id)
    return list(db.session.scalars(query.order_by(Rate.user_id.is_not(None), Rate.kind, Rate.effective_from.desc(),
                                                  Rate.id.desc())))


def current_ids(rates: list[Rate], today: date | None = None) -> set[int]:
    """The ids of the rows in effect today, one per level and kind (of `rates`, newest effective first)."""
    today = today or date.today()
    seen: set[tuple] = set()
    current: set[int] = set()
    for rate in rates:
        key = (rate.kind, rate.user_id, rate.project_id)
        if rate.effective_from <= today and key not in seen:
            seen.add(key)
            current.add(rate.id)
    return current


def set_project_rate(project: Project, amount: Decimal | None, *, actor: User | None) -> None:
    """The project form's and the API's hourly rate: Project.hourly_rate (from today, or since always for a new
    project), audited like a rate added on the rates pages when it adds or changes a row."""
    before = {rate.id: rate.amount for rate in project.rates}
    project.hourly_rate = amount
    for rate in project.rates:
        if rate.id is None or before.get(rate.id, rate.amount) != rate.amount:
            events.rate_added.send(None, rate=rate, actor=actor)
