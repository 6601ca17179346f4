"""Who is told about a week: its deciders when it is submitted, its person when it is decided or unlocked (in the
app and by e-mail, through app/notifications). Called after the change has committed. A notice is stored as
text: it is written in its recipient's language (speaking_to)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app import policies
from app.extensions import db
from app.i18n import speaking_to
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
        with speaking_to(decider):
            title = _("%(name)s submitted week %(week)s for approval", name=person.name, week=label)
            body = _("%(hours)s logged. Approve or reject it on Approvals.", hours=hours)
        if notify(decider, "week_submitted", f"week_submitted:{approval.id}:{approval.submitted_at.isoformat()}",
                  title, body, link="/approvals", data={"approval_id": approval.id}):
            told += 1
    return told


def timesheet_link(approval: WeekApproval, person: User, label: str) -> str:
    """The week's page: in its organization, for a person in several (each has its own weeks)."""
    scoped = len(person.memberships) > 1
    return f"/timesheet?week={label}" + (f"&org={approval.organization_id}" if scoped else "")


def decided(approval: WeekApproval, person: User, decider: User, label: str) -> bool:
    """Tell the person what became of their week."""
    with speaking_to(person):
        if approval.status == "rejected":
            title = _("Your week %(week)s was rejected", week=label)
            if approval.comment:
                body = _("%(name)s rejected it: “%(comment)s” Edit the week and submit it again.",
                         name=decider.name, comment=approval.comment)
            else:
                body = _("%(name)s rejected it. Edit the week and submit it again.", name=decider.name)
        else:
            title = _("Your week %(week)s was approved", week=label)
            if approval.comment:
                body = _("%(name)s approved it: “%(comment)s”", name=decider.name, comment=approval.comment)
            else:
                body = _("%(name)s approved it.", name=decider.name)
    return notify(person, "week_decided", f"week_decided:{approval.id}:{approval.decided_at.isoformat()}",
                  title, body, link=timesheet_link(approval, person, label),
                  data={"approval_id": approval.id}) is not None


def unlocked(approval: WeekApproval, person: User, actor: User, label: str, reason: str, audit_id: int) -> bool:
    """Tell the person an owner reopened their approved week, and why (once per unlock: its audit entry). Nobody is
    told of their own unlock."""
    if actor.id == person.id:
        return False
    with speaking_to(person):
        title = _("Your week %(week)s was unlocked by %(name)s", week=label, name=actor.name)
        body = _("%(name)s unlocked your approved week %(week)s: “%(reason)s”. "
                 "You may edit it again; submit it for approval once it is right.",
                 name=actor.name, week=label, reason=reason)
    return notify(person, "week_unlocked", f"week_unlocked:{approval.id}:{audit_id}", title, body,
                  link=timesheet_link(approval, person, label), data={"approval_id": approval.id}) is not None
