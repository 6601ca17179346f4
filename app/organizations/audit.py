"""The audit trail of people and settings: one call per change, from the service that makes it.

    record("member.role_change", organization=org, actor=current_user, target=user.email, details={...})

The entry joins the caller's transaction (it commits with the change it describes, or not at all). The
address is the request's remote address when there is a request (the one the rate limits count); None from a
job or the CLI.
"""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import Select, select

from app.extensions import db
from app.models import AUDIT_ACTIONS, AuditEntry, Organization, User
from app.reports.events import report_share


def record(action: str, *, organization: Organization | int | None, actor: User | None, target: str = "",
           details: dict | None = None) -> AuditEntry:
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    organization_id = organization.id if isinstance(organization, Organization) else organization
    entry = AuditEntry(
        organization_id=organization_id, actor_id=getattr(actor, "id", None), action=action, target=target[:300],
        details=details or {}, ip=(request.remote_addr or None) if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def subscribe() -> None:
    """Record what other features announce for the trail, in their transaction: report share links (idempotent)."""
    report_share.connect(_report_share, weak=False)


def _report_share(sender, action: str, report, actor: User | None, details: dict) -> None:
    record(action, organization=report.organization_id, actor=actor, target=f"report {report.id}", details=details)


def entries(organization_id: int, action: str | None = None, actor_id: int | None = None) -> Select:
    """An organization's entries, newest first, optionally of one action and one actor."""
    query = select(AuditEntry).where(AuditEntry.organization_id == organization_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
