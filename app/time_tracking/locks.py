"""Locked time (issue 21 B): a person's week approved in an organization, and days before the organization's lock
date. The state of a week is read here (the timesheet shows it; app/approvals changes it)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import ApprovalStatus, User, WeekApproval


def timesheet_organization_id(person: User) -> int | None:
    """The organization whose weeks the person's timesheet shows (the one timesheet.week_start_of reads)."""
    organization_ids = sorted(m.organization_id for m in person.memberships)
    return organization_ids[0] if organization_ids else None


def week_approval(organization_id: int | None, user_id: int, first: date) -> WeekApproval | None:
    if organization_id is None:
        return None
    return db.session.scalar(select(WeekApproval).where(
        WeekApproval.organization_id == organization_id, WeekApproval.user_id == user_id,
        WeekApproval.week_start == first))


def week_status(approval: WeekApproval | None) -> ApprovalStatus:
    return approval.status_enum if approval is not None else ApprovalStatus.OPEN
