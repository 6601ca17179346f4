"""Who is told about a week: its deciders when it is submitted, its person when it is decided or unlocked (in the
app and by e-mail, through app/notifications). Called after the change has committed."""
from __future__ import annotations

from sqlalchemy import select

from app import policies
from app.extensions import db
from app.models import Membership, User, WeekApproval
from app.notifications.notify import notify


def deciders(approval: WeekApproval) -> list[User]:
    """Everyone in the organization who may decide the week, except its person."""
    people = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == approval.organization_id, Membership.removed_at.is_(None),
        User.id != approval.user_id).order_by(User.id))
    return [user for user in people if policies.can_decide_week(user, approval)]


def submitted(approval: WeekApproval, person: User, label: str, hours: str) -> int:
    """Tell the deciders; how many were told."""
    told = 0
    for decider in deciders(approval):
        if notify(decider, "week_submitted", f"week_submitted:{approval.id}:{approval.submitted_at.isoformat()}",
                  f"{person.name} submitted week {label} for approval",
                  f"{hours} logged. Approve or reject it on Approvals.", link="/approvals",
                  data={"approval_id": approval.id}):
            told += 1
    return told


def timesheet_link(approval: WeekApproval, person: User, label: str) -> str:
    """The week's page: in its organization, for a person in several (each has its own weeks)."""
    scoped = len(person.memberships) > 1
    return f"/timesheet?week={label}" + (f"&org={approval.organization_id}" if scoped else "")


def decided(approval: WeekApproval, person: User, decider: User, label: str) -> bool:
    """Tell the person what became of their week."""
    body = f"{decider.name} {approval.status} it" + (f": “{approval.comment}”" if approval.comment else ".")
    if approval.status == "rejected":
        body += " Edit the week and submit it again."
    return notify(person, "week_decided", f"week_decided:{approval.id}:{approval.decided_at.isoformat()}",
                  f"Your week {label} was {approval.status}", body, link=timesheet_link(approval, person, label),
                  data={"approval_id": approval.id}) is not None


def unlocked(approval: WeekApproval, person: User, actor: User, label: str, reason: str, audit_id: int) -> bool:
    """Tell the person an owner reopened their approved week, and why (once per unlock: its audit entry). Nobody is
    told of their own unlock."""
    if actor.id == person.id:
        return False
    return notify(person, "week_unlocked", f"week_unlocked:{approval.id}:{audit_id}",
                  f"Your week {label} was unlocked by {actor.name}",
                  f"{actor.name} unlocked your approved week {label}: “{reason}”. "
                  "You may edit it again; submit it for approval once it is right.",
                  link=timesheet_link(approval, person, label), data={"approval_id": approval.id}) is not None
