"""Organizations: creating one (its creator becomes owner), its settings, and deleting it with all its data.

Deletion is a job ("organization_deletion", maintenance queue): `delete_later()` records it in the audit trail
and enqueues it; `delete()` removes the time logs in chunks (with progress), then everything else, then the
organization; its members' sockets re-check their topics (the organization's dashboards stop) and its cached
dashboard sections are dropped.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date

import redis
from flask_babel import gettext as _
from rq import get_current_job
from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select

from app.background import tracking
from app.background.enqueue import enqueue
from app.dashboards.cache import PREFIX
from app.extensions import db
from app.i18n import speaking_to
from app.live.publisher import turbo
from app.live.topics import DashboardKey
from app.models import (
    AuditEntry,
    Client,
    Export,
    Invitation,
    Membership,
    Organization,
    Project,
    Role,
    Team,
    TeamMembership,
    TimeLog,
    User,
    WeekApproval,
)
from app.organizations import audit, exports
from app.redis_client import get_redis

log = logging.getLogger(__name__)

CHUNK = 5000
KEEP = object()  # update_settings: leave the lock date as it is


def create(actor: User, name: str) -> Organization:
    organization = Organization(name=name)
    db.session.add(organization)
    db.session.flush()
    organization.add_member(actor, Role.OWNER)
    audit.record("organization.create", organization=organization, actor=actor, target=name)
    db.session.commit()
    return organization


BILLING_DETAILS = ("billing_address", "tax_id", "billing_email")


def update_settings(actor: User, organization: Organization, name: str, currency: str, week_start: int,
                    require_two_factor: bool | None = None, time_zone: str | None = None,
                    lock_date: date | None | object = KEEP, billing: dict[str, str | None] | None = None) -> bool:
    """False when nothing changed (nothing recorded). `require_two_factor` or `time_zone` None leaves it as it is;
    `lock_date` KEEP leaves it, None removes it (issue 21 B: no time before it changes). `billing` sets the billing
    details it names (BILLING_DETAILS; empty or None removes one); None leaves them all."""
    if lock_date is KEEP:
        lock_date = organization.lock_date
    details = {key: getattr(organization, key) for key in BILLING_DETAILS}
    details.update({key: (value or None) for key, value in (billing or {}).items() if key in BILLING_DETAILS})
    if require_two_factor is None:
        require_two_factor = organization.require_two_factor
    time_zone = time_zone or organization.time_zone or "UTC"
    before = {"name": organization.name, "currency": organization.currency, "week_start": organization.week_start,
              "require_two_factor": bool(organization.require_two_factor), "time_zone": organization.time_zone,
              "lock_date": organization.lock_date.isoformat() if organization.lock_date else None,
              **{key: getattr(organization, key) for key in BILLING_DETAILS}}
    after = {"name": name, "currency": currency, "week_start": week_start,
             "require_two_factor": bool(require_two_factor), "time_zone": time_zone,
             "lock_date": lock_date.isoformat() if lock_date else None, **details}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return False
    organization.name, organization.currency, organization.week_start = name, currency, week_start
    organization.require_two_factor = bool(require_two_factor)
    organization.time_zone = time_zone
    organization.lock_date = lock_date
    for key, value in details.items():
        setattr(organization, key, value)
    audit.record("organization.update", organization=organization, actor=actor, target=name, details=changes)
    db.session.commit()
    return True


def delete_later(actor: User, organization: Organization):
    """Enqueue the deletion and record it; returns the job's JobStatus (EnqueueError when Redis is unavailable:
    then nothing is recorded and nothing deleted)."""

    status = enqueue("organization_deletion", organization.id, key=f"organization_deletion:{organization.id}",
                     user_id=actor.id, organization_id=organization.id)
    audit.record("organization.delete", organization=None, actor=actor,
                 target=f"{organization.name} (organization {organization.id})",
                 details={"organization_id": organization.id, "job": status.rq_job_id})
    db.session.commit()
    return status


def delete(organization_id: int, progress: Callable[[int, str], None] = lambda p, m: None) -> str:
    """Delete the organization and everything in it; idempotent (an organization already gone is done). Its
    progress is told in the language of the person who asked for the deletion (the job's requester)."""
    requester = _requester()
    with speaking_to(requester) if requester is not None else nullcontext():
        return _delete(organization_id, progress)


def _requester() -> User | None:
    job = get_current_job()
    status = tracking.find(job.id) if job is not None else None
    return db.session.get(User, status.user_id) if status is not None and status.user_id else None


def _delete(organization_id: int, progress: Callable[[int, str], None]) -> str:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        return f"organization {organization_id} is already gone"
    name = organization.name
    member_ids = list(db.session.scalars(select(Membership.user_id)
                                         .where(Membership.organization_id == organization_id)))
    team_ids = list(db.session.scalars(select(Team.id).where(Team.organization_id == organization_id)))
    total = db.session.scalar(select(func.count()).select_from(TimeLog)
                              .where(TimeLog.organization_id == organization_id)) or 0
    done = 0
    progress(1, _("Deleting %(total)s time logs", total=format(total, ",")))
    while True:
        ids = list(db.session.scalars(select(TimeLog.id).where(TimeLog.organization_id == organization_id)
                                      .limit(CHUNK)))
        if not ids:
            break
        db.session.execute(sql_delete(TimeLog).where(TimeLog.id.in_(ids)))
        db.session.commit()
        done += len(ids)
        progress(1 + int(89 * done / max(total, 1)),
                 _("Deleted %(done)s of %(total)s time logs", done=format(done, ","), total=format(total, ",")))
    progress(90, _("Deleting projects, clients, teams and memberships"))
    db.session.execute(sql_delete(Project).where(Project.organization_id == organization_id))
    db.session.execute(sql_delete(Client).where(Client.organization_id == organization_id))
    db.session.execute(sql_delete(TeamMembership).where(TeamMembership.team_id.in_(team_ids)))
    db.session.execute(sql_delete(Team).where(Team.organization_id == organization_id))
    db.session.execute(sql_delete(Invitation).where(Invitation.organization_id == organization_id))
    db.session.execute(sql_delete(AuditEntry).where(AuditEntry.organization_id == organization_id))
    exports.delete_files(list(db.session.scalars(select(Export).where(Export.organization_id == organization_id))))
    db.session.execute(sql_delete(Export).where(Export.organization_id == organization_id))
    db.session.execute(sql_delete(WeekApproval).where(WeekApproval.organization_id == organization_id))
    db.session.execute(sql_delete(Membership).where(Membership.organization_id == organization_id))
    db.session.execute(sql_delete(Organization).where(Organization.id == organization_id))
    db.session.commit()
    progress(97, _("Closing its dashboards"))
    for user_id in member_ids:
        turbo.recheck_user(user_id)
    _drop_cached_dashboards(organization_id, team_ids)
    return f"deleted organization {organization_id} {name!r}: {done:,} time logs, {len(member_ids)} memberships"


def _drop_cached_dashboards(organization_id: int, team_ids: list[int]) -> None:
    keys = [DashboardKey("org", organization_id)] + [DashboardKey("team", t) for t in team_ids]
    try:
        connection = get_redis()
        for key in keys:
            names = list(connection.scan_iter(match=f"{PREFIX}{key}:*", count=500))
            if names:
                connection.delete(*names)
    except redis.RedisError as exc:  # the entries expire by themselves (DASHBOARD_CACHE_TTL)
        log.warning("could not drop the cached dashboards of organization %s: %s", organization_id, exc)
