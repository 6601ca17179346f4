"""Single sign-on: what a verified OpenID Connect identity (app/auth/oidc.py) leads to.

- A linked identity, (provider, subject) -> account, signs that account in, whatever e-mail the provider gives
  today: an address changed at the provider never moves the link.
- Otherwise only an e-mail the provider says is verified (`email_verified`) counts, and never by itself:
  - an account with that address is linked only once confirmed, by its password (when it has one) or by a link
    e-mailed to the address (one hour, once). The pending link waits in Redis (PENDING_TTL); the provider's word
    alone never opens an existing account, since a provider (or an address recycled there) can be wrong, and a
    password or a mailbox is what opens it today (a password reset is an e-mailed link too);
  - no account: a new one (without a password) when ALLOW_SIGNUP is on or a pending invitation names the
    address; its invitations are then accepted from their page, as with a password.
- Linking from settings (signed in, the person chose the provider) needs no e-mail match.
- Unlinking never removes the last way in: an account without a password keeps its only identity.

Links, unlinks and sign-ins are audited in each organization of the account (or without one), and a link is
announced by e-mail to the account's address.
"""
from __future__ import annotations

import json
import secrets
from contextlib import nullcontext
from dataclasses import asdict, dataclass

import redis
from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app import tokens
from app.accounts.accounts import ServiceUnavailable, find_by_email
from app.accounts.oidc import Identity, providers
from app.accounts.oidc import provider as configured_provider
from app.accounts.sessions import authenticate
from app.extensions import db
from app.i18n import speaking_to
from app.models import Invitation, SSOIdentity, User
from app.notifications.mail import send_email_later
from app.organizations import audit, invitations
from app.redis_client import get_redis
from app.timezones import valid_zone
from app.web.form_filters import normalize_email

PENDING_PREFIX = "timeboard:sso:pending:"
PENDING_TTL = tokens.MAX_AGE["sso-link"]


class SSOError(ValueError):
    """A sign-in, link or unlink that cannot be done; the message is fit for the page."""


class WrongPassword(SSOError):
    """The password given to confirm a link is not the account's."""


@dataclass
class Outcome:
    """What a sign-in with a provider gave: an account to sign in (`created` when new), or a link to confirm
    (`pending`: its id). `invitation`: a pending invitation of a new account's address, to open next."""
    user: User | None = None
    pending: str | None = None
    created: bool = False
    invitation: Invitation | None = None


@dataclass
class Pending:
    """A link waiting for its account's confirmation."""
    id: str
    provider: str
    subject: str
    email: str
    user_id: int
    next: str | None = None

    @property
    def user(self) -> User | None:
        return db.session.get(User, self.user_id)

    @property
    def label(self) -> str:
        return label(self.provider)


def label(name: str) -> str:
    found = configured_provider(name)
    return found.label if found else name


# -- signing in ------------------------------------------------------------------------------------
def sign_in(identity: Identity, next_page: str | None = None) -> Outcome:
    linked = SSOIdentity.find(identity.provider, identity.subject)
    if linked is not None:
        linked.used(identity.email)
        _audit("sso.sign_in", linked.user, identity.provider, identity.email)
        db.session.commit()
        return Outcome(user=linked.user)
    name = label(identity.provider)
    if not identity.email:
        raise SSOError(_("%(provider)s did not share the e-mail address of your account there, so it cannot be "
                         "matched with a Timeboard account. Sign in with your password.", provider=name))
    if not identity.email_verified:
        raise SSOError(_("%(provider)s has not verified the e-mail address of your account there (%(email)s), so "
                         "it cannot be matched with a Timeboard account. Verify it there and try again, or sign in "
                         "with your password.", provider=name, email=identity.email))
    try:
        email = normalize_email(identity.email)
    except ValueError:
        raise SSOError(_("The e-mail address %(provider)s gave (%(email)s) cannot be used here.", provider=name,
                           email=identity.email)) from None
    account = find_by_email(email)
    if account is not None:
        if SSOIdentity.of_user_at(account, identity.provider) is not None:  # say so now, not after confirming
            raise SSOError(_("The Timeboard account of %(email)s is linked to another %(provider)s account: sign in "
                             "with that one, or with your password.", email=email, provider=name))
        return Outcome(pending=_hold(identity, account, next_page))
    waiting = invitations.pending_for_email(email)
    if not current_app.config["ALLOW_SIGNUP"] and not waiting:
        raise SSOError(_("No Timeboard account uses %(email)s, and accounts are made by invitation here: ask your "
                         "organization to invite this address.", email=email))
    return Outcome(user=_create_account(identity, email), created=True, invitation=waiting[0] if waiting else None)


def _create_account(identity: Identity, email: str) -> User:
    user = User(email=email, name=identity.name or email.split("@")[0], password_hash="",
                time_zone=valid_zone(identity.zoneinfo))
    db.session.add(user)
    try:
        db.session.flush()
        _attach(user, identity.provider, identity.subject, email)
    except IntegrityError:  # the address (or the identity) was taken in the meantime
        db.session.rollback()
        raise SSOError(_("An account with %(email)s was just made: sign in again.", email=email)) from None
    _audit("sso.link", user, identity.provider, email)
    _audit("sso.sign_in", user, identity.provider, email)
    db.session.commit()
    return user


# -- linking an existing account, once confirmed ----------------------------------------------------
def _hold(identity: Identity, account: User, next_page: str | None) -> str:
    pending = Pending(id=secrets.token_urlsafe(24), provider=identity.provider, subject=identity.subject,
                      email=account.email, user_id=account.id, next=next_page)
    try:
        get_redis().set(PENDING_PREFIX + pending.id, json.dumps(asdict(pending)), ex=PENDING_TTL)
    except redis.RedisError as exc:
        raise ServiceUnavailable(_("Signing in with a provider is unavailable for a moment: try again shortly.")) \
            from exc
    return pending.id


def pending(pending_id: str | None) -> Pending | None:
    """The pending link (still waiting, its account unchanged), or None."""
    if not pending_id:
        return None
    try:
        raw = get_redis().get(PENDING_PREFIX + pending_id)
    except redis.RedisError as exc:
        raise ServiceUnavailable(_("Signing in with a provider is unavailable for a moment: try again shortly.")) \
            from exc
    if raw is None:
        return None
    found = Pending(**json.loads(raw))
    user = found.user
    return found if user is not None and user.email.lower() == found.email.lower() else None


def _take(pending_id: str) -> bool:
    """Use the pending link once: False when it was used (or expired) meanwhile."""
    try:
        return get_redis().delete(PENDING_PREFIX + pending_id) == 1
    except redis.RedisError as exc:
        raise ServiceUnavailable(_("Signing in with a provider is unavailable for a moment: try again shortly.")) \
            from exc


def confirm_with_password(pending_id: str, password: str) -> tuple[User, Pending]:
    """Link the identity once the account's password is given (the same check, and cost, as signing in)."""
    found = pending(pending_id)
    if found is None:
        raise SSOError(_("This sign-in waited too long or was already used: sign in with the provider again."))
    user = authenticate(found.email, password)
    if user is None or user.id != found.user_id:
        raise WrongPassword(_("This is not the password of that account."))
    return _link_pending(found), found


def send_link(pending_id: str) -> Pending:
    """E-mail the account's address a link that confirms the pending link."""
    found = pending(pending_id)
    if found is None:
        raise SSOError(_("This sign-in waited too long or was already used: sign in with the provider again."))
    url = url_for("sso.confirm_link", token=tokens.make("sso-link", {"n": found.id}), _external=True)
    with _speaking_to_owner(found.user):
        send_email_later(found.email, _("Link %(provider)s to your Timeboard account", provider=found.label),
                         render_template("mail/sso_link.txt", user=found.user, provider=found.label, url=url))
    return found


def pending_from_token(token: str) -> Pending:
    try:
        pending_id = tokens.read("sso-link", token).get("n")
    except tokens.TokenExpired:
        raise SSOError(_("This link has expired (links work for one hour): sign in with the provider again.")) \
            from None
    except tokens.TokenInvalid:
        raise SSOError(_("This link is not valid.")) from None
    found = pending(pending_id) if isinstance(pending_id, str) else None
    if found is None:
        raise SSOError(_("This link was already used or has expired: sign in with the provider again."))
    return found


def confirm_by_link(token: str) -> tuple[User, Pending]:
    found = pending_from_token(token)
    return _link_pending(found), found


def _link_pending(found: Pending) -> User:
    if not _take(found.id):
        raise SSOError(_("This sign-in was already used: sign in with the provider again."))
    user = found.user
    _attach(user, found.provider, found.subject, found.email)
    _audit("sso.link", user, found.provider, found.email)
    _audit("sso.sign_in", user, found.provider, found.email)
    _commit_link(found.provider)
    _announce(user, found.provider, found.email)
    return user


# -- settings: link while signed in, unlink ---------------------------------------------------------
def link(user: User, identity: Identity) -> SSOIdentity:
    row = _attach(user, identity.provider, identity.subject, identity.email)
    _audit("sso.link", user, identity.provider, identity.email)
    _commit_link(identity.provider)
    _announce(user, identity.provider, identity.email)
    return row


def identities(user: User) -> list[SSOIdentity]:
    return SSOIdentity.of(user)


@dataclass
class SettingsRow:
    name: str
    label: str
    identity: SSOIdentity | None  # linked, or None: offered for linking (when configured)
    configured: bool


def settings_rows(user: User) -> tuple[list[SettingsRow], bool]:
    """Each configured provider (linked or not), then links to providers no longer configured; and whether an
    identity may be unlinked now."""
    rows = identities(user)
    by_name = {row.provider: row for row in rows}
    shown = [SettingsRow(p.name, p.label, by_name.pop(p.name, None), True) for p in providers()]
    shown += [SettingsRow(name, name, row, False) for name, row in by_name.items()]
    return shown, can_unlink(user, rows)


def can_unlink(user: User, rows: list[SSOIdentity] | None = None) -> bool:
    """Not the last way in: an account without a password keeps one identity."""
    return user.has_password or len(rows if rows is not None else identities(user)) > 1


def unlink(user: User, row: SSOIdentity) -> SSOIdentity:
    """`row` is the user's own (policies.load_sso_identity)."""
    if not can_unlink(user):
        raise SSOError(_("%(provider)s is the only way into your account: set a password first, then unlink it.",
                         provider=label(row.provider)))
    db.session.delete(row)
    _audit("sso.unlink", user, row.provider, row.email)
    db.session.commit()
    return row


# -- shared -----------------------------------------------------------------------------------------
def _attach(user: User, provider: str, subject: str, email: str | None) -> SSOIdentity:
    existing = SSOIdentity.find(provider, subject)
    if existing is not None:
        if existing.user_id != user.id:
            raise SSOError(_("This %(provider)s account is already linked to another Timeboard account.",
                             provider=label(provider)))
        return existing
    other = SSOIdentity.of_user_at(user, provider)
    if other is not None:
        raise SSOError(_("Your account is already linked to another %(provider)s account (%(email)s): unlink it in "
                         "your settings first.", provider=label(provider), email=other.email))
    row = SSOIdentity(user_id=user.id, provider=provider, subject=subject, email=(email or "")[:254])
    row.used(email)
    db.session.add(row)
    db.session.flush()
    return row


def _commit_link(provider: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # the same identity linked at the same moment elsewhere
        db.session.rollback()
        raise SSOError(_("This %(provider)s account was just linked to an account: sign in again.",
                         provider=label(provider))) from None


def _announce(user: User, provider: str, email: str | None) -> None:
    with _speaking_to_owner(user):
        send_email_later(user.email, _("%(provider)s was linked to your Timeboard account", provider=label(provider)),
                         render_template("mail/sso_linked.txt", user=user, provider=label(provider), email=email,
                                         url=url_for("settings.index", _external=True)))


def _speaking_to_owner(user: User | None):
    """An e-mail sent while its recipient is at the browser: their chosen language, else the page's (the browser's)."""
    return speaking_to(user) if user is not None and user.language else nullcontext()


def _audit(action: str, user: User, provider: str, email: str | None) -> None:
    """One entry in each organization of the account (its owners and admins see it), or one without any."""
    organizations = [m.organization_id for m in user.memberships] or [None]
    for organization_id in organizations:
        audit.record(action, organization=organization_id, actor=user, target=user.email,
                     details={"provider": provider, "provider_email": email or ""})
