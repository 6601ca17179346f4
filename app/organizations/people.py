"""An organization's people: role changes, removals (and leaving), with the last-owner rule, the audit trail
and what must follow (the removed member's timer stopped, their sockets re-checked, dashboards refreshed).

Each function checks the one policy (app/policies.py), changes, records, commits, then does the after-commit
work. A PeopleError carries a message fit for the page.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app import policies
from app.dashboards.invalidation import mark_dirty
from app.extensions import db
from app.live.publisher import turbo
from app.live.topics import DashboardKey
from app.models import Membership, Organization, Role, Team, TeamMembership, TimeLog, User
from app.organizations import audit, events
from app.time_tracking import changes


class PeopleError(ValueError):
    """A change the rules do not allow; the message says why."""


def access_changed(organization: Organization, user_ids, team_ids=()) -> None:
    """After a commit that changed who belongs where: the users' open sockets re-check their topics now, and
    the organization's (and teams') dashboards recompute, so their people figures update live."""
    for user_id in set(user_ids):
        turbo.recheck_user(user_id)
    keys = [DashboardKey("org", organization.id)] + [DashboardKey("team", t) for t in sorted(set(team_ids))]
    mark_dirty(keys)


def _user_team_ids(organization: Organization, user_id: int) -> list[int]:
    return list(db.session.scalars(
        select(TeamMembership.team_id).join(Team, Team.id == TeamMembership.team_id)
        .where(TeamMembership.user_id == user_id, Team.organization_id == organization.id)))


def change_role(actor: User, organization: Organization, membership: Membership, new_role: str) -> Membership:
    try:
        role = Role(new_role)
    except ValueError:
        raise PeopleError(_("Choose a role: owner, admin, manager or member.")) from None
    if membership.role == role:
        return membership
    if not policies.can_change_role(actor, organization, membership, role):
        if membership.role == Role.OWNER and organization.owner_count() <= 1:
            raise PeopleError(_("The organization's last owner cannot be demoted: make someone else owner first."))
        raise PeopleError(_("You may not give this role to this person."))
    old = membership.role
    membership.role = role.value
    audit.record("member.role_change", organization=organization, actor=actor, target=membership.user.email,
                 details={"user_id": membership.user_id, "from": old, "to": role.value})
    db.session.commit()
    access_changed(organization, [membership.user_id], _user_team_ids(organization, membership.user_id))
    return membership


def remove_member(actor: User, organization: Organization, membership: Membership) -> None:
    """Remove a member (or leave, when the actor is that member): their time logs stay (reports show them as a
    former member), their running timer here stops, their sockets stop this organization's topics at once."""
    if not policies.can_remove_member(actor, organization, membership):
        if membership.role == Role.OWNER and organization.owner_count() <= 1:
            raise PeopleError(_("The organization's last owner cannot leave or be removed: make someone else owner "
                                "first."))
        raise PeopleError(_("You may not remove this person."))
    user = membership.user
    teams = _user_team_ids(organization, user.id)
    running = db.session.scalar(select(TimeLog).where(TimeLog.user_id == user.id, TimeLog.end_time.is_(None),
                                                      TimeLog.organization_id == organization.id))
    if running is not None:
        running.stop()
    organization.remove_member(user)
    leaving = actor.id == user.id
    audit.record("member.leave" if leaving else "member.remove", organization=organization, actor=actor,
                 target=user.email, details={"user_id": user.id, "role": membership.role,
                                             "stopped_timer": running is not None})
    db.session.commit()
    if running is not None:
        changes.after_commit([running])
    access_changed(organization, [user.id], teams)
    events.send(events.member_removed, membership)


def former_member_ids(organization_id: int) -> set[int]:
    """Users whose membership here was removed: reports and listings mark their logs "former member"."""
    return set(db.session.scalars(select(Membership.user_id).where(
        Membership.organization_id == organization_id, Membership.removed_at.is_not(None))))
