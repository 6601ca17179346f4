"""Invitations: invite by e-mail with a role and teams, resend, revoke, and accept (a new person sets a name and
password; an existing user accepts with one click once signed in).

An invitation's link is `tokens.make("invitation", {"i": id, "n": nonce})`: signed, expiring with the invitation
(7 days), ended by acceptance, revocation or a resend (a new nonce). Mail goes out through
app/notifications/mail.py from a job, after the commit.
Accepting reactivates a former member's row, so their earlier logs are theirs again.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import policies, tokens
from app.extensions import db
from app.i18n import speaking_to
from app.models import Invitation, InvitationState, Organization, Role, Team, TeamMembership, User, utcnow
from app.notifications.mail import app_url_for, send_email_later
from app.organizations import audit, events
from app.organizations.people import access_changed
from app.timezones import valid_zone


class InvitationError(ValueError):
    """An invitation that cannot be made or used; the message is fit for the page."""


@dataclass
class Opened:
    """What a link leads to: the invitation, or why it cannot be used (`problem`: a page's heading + text)."""
    invitation: Invitation | None
    problem: tuple[str, str] | None = None


def link(invitation: Invitation) -> str:
    return app_url_for("organizations.invitation", token=tokens.make("invitation", {"i": invitation.id,
                                                                              "n": invitation.nonce}))


def pending(organization: Organization) -> list[Invitation]:
    rows = db.session.scalars(select(Invitation).where(
        Invitation.organization_id == organization.id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).order_by(Invitation.created_at.desc()).limit(500))
    return list(rows)


def _send(invitation: Invitation) -> bool:
    """Queue the e-mail; False when the queue is unavailable (the invitation stands: resend it later)."""
    context = {"invitation": invitation, "organization": invitation.organization, "url": link(invitation),
               "inviter": invitation.invited_by}
    # In the language of the invited address's account when there is one, else the inviter's (this request's).
    account = account_for(invitation)
    with speaking_to(account) if account is not None else nullcontext():
        subject = _("You are invited to %(name)s on Timeboard", name=invitation.organization.name)
        body = render_template("mail/invitation.txt", **context)
    return send_email_later(invitation.email, subject, body) is not None


def invite(actor: User, organization: Organization, email: str, role: str,
           team_ids: list[int]) -> tuple[Invitation, bool]:
    """`email` is already normalized (form_filters.normalize_email). A member's address is refused; a pending
    invitation to the same address is renewed (its old link stops working) rather than doubled. Returns the
    invitation and whether its e-mail was queued."""
    if Role(role) not in policies.invitable_roles(actor, organization.id):
        raise InvitationError(_("You may not invite someone with this role."))
    teams = set(db.session.scalars(select(Team.id).where(Team.organization_id == organization.id,
                                                         Team.id.in_(team_ids))))
    if teams != set(team_ids):
        raise InvitationError(_("Choose teams of this organization."))
    existing = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if existing is not None and existing.membership_in(organization.id) is not None:
        raise InvitationError(_("%(email)s is already a member of %(name)s.", email=email, name=organization.name))
    invitation = next((i for i in pending(organization) if i.email.lower() == email.lower()), None)
    if invitation is None:
        invitation = Invitation(organization_id=organization.id, email=email, invited_by_id=actor.id)
        db.session.add(invitation)
    else:
        invitation.renew()
    invitation.role, invitation.team_ids = Role(role).value, sorted(teams)
    db.session.flush()
    audit.record("invitation.create", organization=organization, actor=actor, target=email,
                 details={"invitation_id": invitation.id, "role": invitation.role, "team_ids": invitation.team_ids})
    db.session.commit()
    return invitation, _send(invitation)


def resend(actor: User, invitation: Invitation) -> bool:
    """A new link (the old one stops working); False when its e-mail could not be queued."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationError(_("This invitation was already used or revoked."))
    invitation.renew()
    audit.record("invitation.resend", organization=invitation.organization_id, actor=actor, target=invitation.email,
                 details={"invitation_id": invitation.id})
    db.session.commit()
    return _send(invitation)


def revoke(actor: User, invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation was already accepted."))
    if invitation.revoked_at is None:
        invitation.revoke()
        audit.record("invitation.revoke", organization=invitation.organization_id, actor=actor,
                     target=invitation.email, details={"invitation_id": invitation.id})
        db.session.commit()


def open_link(token: str) -> Opened:
    """The invitation a link names, or the reason it cannot be used: never an exception for a bad link."""
    try:
        payload = tokens.read("invitation", token)
    except tokens.TokenExpired:
        return Opened(None, (_("This invitation has expired"), _("Ask the person who invited you to send a new one.")))
    except tokens.TokenInvalid:
        return Opened(None, (_("This invitation link is not valid"),
                             _("Check that you opened the whole link from the e-mail.")))
    invitation = db.session.get(Invitation, payload.get("i")) if isinstance(payload.get("i"), int) else None
    if invitation is None:
        return Opened(None, (_("This invitation no longer exists"), _("Ask the person who invited you for a new one.")))
    if payload.get("n") != invitation.nonce:
        return Opened(invitation, (_("This invitation link was replaced"),
                                   _("A newer e-mail was sent for this invitation: use the link in that one.")))
    state = invitation.state
    if state == InvitationState.ACCEPTED:
        return Opened(invitation, (_("This invitation was already used"),
                                   _("It has been accepted. Sign in to reach the organization.")))
    if state == InvitationState.REVOKED:
        return Opened(invitation, (_("This invitation was withdrawn"), _("Ask the person who invited you about it.")))
    if state == InvitationState.EXPIRED:
        return Opened(invitation, (_("This invitation has expired"),
                                   _("Ask the person who invited you to send a new one.")))
    existing = account_for(invitation)
    if existing is not None and existing.membership_in(invitation.organization_id) is not None:
        return Opened(invitation, (_("You are already a member"),
                                   _("%(email)s is already a member of %(name)s.", email=invitation.email,
                                     name=invitation.organization.name)))
    return Opened(invitation)


def account_for(invitation: Invitation) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == invitation.email.lower()))


def accept(invitation: Invitation, user: User) -> None:
    """Join with the invitation's role and teams (a former member's row is reactivated). The caller has checked
    with open_link() that it is usable and that `user` is the invited address's account."""
    if invitation.state != InvitationState.PENDING:
        raise InvitationError(_("This invitation can no longer be used."))
    organization = invitation.organization
    organization.add_member(user, invitation.role)
    teams = list(db.session.scalars(select(Team.id).where(Team.organization_id == organization.id,
                                                          Team.id.in_(invitation.team_ids or []))))
    have = set(db.session.scalars(select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)))
    for team_id in teams:
        if team_id not in have:
            db.session.add(TeamMembership(team_id=team_id, user_id=user.id))
    invitation.mark_accepted(user.id)
    audit.record("invitation.accept", organization=organization, actor=user, target=user.email,
                 details={"invitation_id": invitation.id, "role": invitation.role, "team_ids": teams})
    try:
        db.session.commit()
    except IntegrityError:  # the same link accepted twice at once: the other request won
        db.session.rollback()
        raise InvitationError(_("This invitation was just used.")) from None
    access_changed(organization, [user.id], teams)
    events.send(events.member_joined, organization.membership_of(user.id))


def accept_as_new_user(invitation: Invitation, name: str, password: str, time_zone: str | None = None) -> User:
    """A person without an account: it is created with the invited address (the link proved they read its mail),
    in the browser's time zone when it sent a valid one."""

    if account_for(invitation) is not None:
        raise InvitationError(_("An account with this address exists: sign in to accept."))
    user = User(email=invitation.email, name=name, time_zone=valid_zone(time_zone))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    accept(invitation, user)
    return user


def pending_for_email(email: str) -> list[Invitation]:
    """The usable invitations sent to this address, newest first (any organization)."""
    return list(db.session.scalars(select(Invitation).where(
        func.lower(Invitation.email) == email.strip().lower(), Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow()).order_by(Invitation.created_at.desc())))
