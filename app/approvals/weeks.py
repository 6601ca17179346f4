"""Submitting, deciding and unlocking a person's week: the rules, the records, who is told."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import policies
from app.approvals import notices
from app.extensions import db
from app.models import (
    ApprovalStatus,
    Organization,
    Role,
    TimeLog,
    User,
    WeekApproval,
    approval_status_label,
    utcnow,
)
from app.organizations import audit
from app.time_tracking import locks, timesheet
from app.timezones import start_of_day, to_local

MAX_COMMENT = 2000
RECENT = 20


class ApprovalError(ValueError):
    """A submission or decision that cannot be made; the message is fit to show."""


def week_minutes(organization_id: int, person: User, first: date) -> int:
    """What the person logged (finished entries) in the organization during the week, in their local days."""
    start, end = start_of_day(first, person.zone), start_of_day(first + timedelta(days=7), person.zone)
    return db.session.scalar(select(func.coalesce(func.sum(TimeLog.duration_minutes), 0)).where(
        TimeLog.user_id == person.id, TimeLog.organization_id == organization_id, TimeLog.end_time.is_not(None),
        TimeLog.start_time >= start, TimeLog.start_time < end)) or 0


def week_label(approval: WeekApproval) -> str:
    organization = db.session.get(Organization, approval.organization_id)
    return timesheet.label(approval.week_start, organization.week_start)


def submit(person: User, organization_id: int, first: date) -> WeekApproval:
    """Submit the person's week (its first day) in the organization; a rejected or unlocked week again."""
    organization = db.session.get(Organization, organization_id)
    if organization is None or not policies.can_submit_week(person, person, organization_id):
        raise ApprovalError(_("You can submit only your own weeks, in an organization you belong to."))
    if timesheet.first_day(first, organization.week_start) != first:
        raise ApprovalError(_("That is not the first day of a week."))
    if first > to_local(utcnow(), person.zone).date():
        raise ApprovalError(_("This week has not begun yet: submit it once you have worked it."))
    approval = locks.week_approval(organization_id, person.id, first)
    if approval is not None and approval.status in (ApprovalStatus.SUBMITTED, ApprovalStatus.APPROVED):
        raise ApprovalError(_("This week is already %(status)s.", status=approval_status_label(approval.status)))
    if approval is None:
        approval = WeekApproval(organization_id=organization_id, user_id=person.id, week_start=first)
        db.session.add(approval)
    approval.submit()
    db.session.commit()
    notices.submitted(approval, person, timesheet.label(first, organization.week_start),
                      timesheet.format_hours(week_minutes(organization_id, person, first)) or "0:00")
    return approval


def decide(decider: User, approval: WeekApproval, approve: bool, comment: str) -> WeekApproval:
    """Approve (the week is then locked) or reject (a comment saying why is required) a submitted week. The caller
    has checked policies.can_decide_week."""
    comment = (comment or "").strip()
    if approval.status != ApprovalStatus.SUBMITTED:
        raise ApprovalError(_("This week is %(status)s, not waiting for a decision.",
                               status=approval_status_label(approval.status)))
    if not approve and not comment:
        raise ApprovalError(_("Say why you reject this week: the comment is required."))
    if len(comment) > MAX_COMMENT:
        raise ApprovalError(_("Keep the comment under %(num)s characters.", num=MAX_COMMENT))
    approval.decide(decider.id, approve, comment)
    db.session.commit()
    notices.decided(approval, db.session.get(User, approval.user_id), decider, week_label(approval))
    return approval


def unlock(actor: User, approval: WeekApproval, reason: str) -> WeekApproval:
    """Open an approved week again (its person may then edit it and must submit it again), with a reason; audited,
    and the person is told who unlocked it and why. The caller has checked policies.can_unlock_week."""
    reason = (reason or "").strip()
    if approval.status != ApprovalStatus.APPROVED:
        raise ApprovalError(_("This week is %(status)s: only an approved week is locked.",
                               status=approval_status_label(approval.status)))
    if not reason:
        raise ApprovalError(_("Give the reason for unlocking this week: it goes to the audit trail."))
    if len(reason) > MAX_COMMENT:
        raise ApprovalError(_("Keep the reason under %(num)s characters.", num=MAX_COMMENT))
    person = db.session.get(User, approval.user_id)
    label = week_label(approval)
    approval.unlock()
    entry = audit.record("week.unlock", organization=approval.organization_id, actor=actor,
                         target=f"{person.email} {label}",
                         details={"approval_id": approval.id, "user_id": person.id, "week": label, "reason": reason})
    db.session.commit()
    notices.unlocked(approval, person, actor, label, reason, entry.id)
    return approval


@dataclass(frozen=True)
class Waiting:
    approval: WeekApproval
    person: User
    label: str
    minutes: int


def _rows(approvals: list[WeekApproval]) -> list[Waiting]:
    return [Waiting(a, db.session.get(User, a.user_id), week_label(a),
                    week_minutes(a.organization_id, db.session.get(User, a.user_id), a.week_start))
            for a in approvals]


def waiting_for(user: User) -> list[Waiting]:
    """Submitted weeks this user may decide, oldest first."""
    query = select(WeekApproval).where(WeekApproval.status == ApprovalStatus.SUBMITTED.value)
    if not user.is_system_admin:
        query = query.where(WeekApproval.organization_id.in_(policies.organization_ids(user)))
    candidates = db.session.scalars(query.order_by(WeekApproval.week_start, WeekApproval.id).limit(500))
    return _rows([a for a in candidates if policies.can_decide_week(user, a)])


def unlockable_by(user: User) -> list[Waiting]:
    """Approved (locked) weeks this user may unlock, latest decided first."""
    query = select(WeekApproval).where(WeekApproval.status == ApprovalStatus.APPROVED.value)
    if not user.is_system_admin:
        owned = [m.organization_id for m in user.memberships if m.role == Role.OWNER]
        query = query.where(WeekApproval.organization_id.in_(owned))
    return _rows(list(db.session.scalars(query.order_by(WeekApproval.decided_at.desc(), WeekApproval.id.desc())
                                         .limit(RECENT))))


def decided_by(user: User) -> list[Waiting]:
    """What this user decided lately, newest first."""
    return _rows(list(db.session.scalars(select(WeekApproval).where(WeekApproval.decided_by_id == user.id)
                                         .order_by(WeekApproval.decided_at.desc(), WeekApproval.id.desc())
                                         .limit(RECENT))))
