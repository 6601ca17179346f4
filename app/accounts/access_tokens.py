"""Personal access tokens: create (the token is returned once, only its SHA-256 is kept), list, revoke, and
authenticate a bearer token. Creation and revocation are recorded in the audit trail of each organization the
user belongs to (a token reaches into every one of them); a user without one gets an entry without organization.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import AccessToken, TokenScope, User, utcnow
from app.organizations import audit

PREFIX = "tb_"
NAME_MAX = 100
MAX_EXPIRY_DAYS = 3650
LAST_USED_RESOLUTION = timedelta(seconds=60)  # last_used_at is written at most once a minute per token


class TokenError(ValueError):
    """A token cannot be created as asked: {field: message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def check(name: str, scope: str, expires_days: int | None) -> dict[str, str]:
    """The rules on a new token's fields, shared by the settings page and the CLI."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the token a name.")
    elif len(name.strip()) > NAME_MAX:
        errors["name"] = _("A token's name is at most %(max)s characters.", max=NAME_MAX)
    if scope not in (TokenScope.READ, TokenScope.WRITE):
        errors["scope"] = _("Scope must be read or write.")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        errors["expires"] = _("Expiry must be between 1 and %(max)s days, or never.", max=MAX_EXPIRY_DAYS)
    return errors


def create_token(user: User, name: str, scope: str = TokenScope.READ, expires_days: int | None = None,
                 actor: User | None = None) -> tuple[AccessToken, str]:
    """A new token for `user`, committed and audited; returns (record, the token itself: shown once)."""
    errors = check(name, scope, expires_days)
    if errors:
        raise TokenError(errors)
    raw = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(user_id=user.id, name=name.strip(), token_hash=hash_token(raw), hint=raw[:8],
                        scope=str(scope),
                        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None)
    db.session.add(token)
    db.session.flush()
    _audit("token.create", token, actor or user)
    db.session.commit()
    return token, raw


def revoke_token(token: AccessToken, actor: User | None = None) -> bool:
    """Revoke (idempotent); True when it was still unrevoked."""
    if token.revoked_at is not None:
        return False
    token.revoke()
    _audit("token.revoke", token, actor or token.user)
    db.session.commit()
    return True


def tokens_of(user: User) -> list[AccessToken]:
    query = select(AccessToken).where(AccessToken.user_id == user.id)
    return list(db.session.scalars(query.order_by(AccessToken.created_at.desc(), AccessToken.id.desc())))


def authenticate(raw: str | None) -> AccessToken | None:
    """The usable token this raw bearer value is, or None (unknown, malformed, revoked, expired). Notes its use."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    digest = hash_token(raw)
    token = db.session.scalar(select(AccessToken).where(AccessToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest) or not token.is_usable():
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token


def _audit(action: str, token: AccessToken, actor: User | None) -> None:
    owner = db.session.get(User, token.user_id)
    details = {"token_id": token.id, "name": token.name, "scope": token.scope,
               "expires_at": token.expires_at.isoformat() if token.expires_at else None}
    organizations = [m.organization_id for m in owner.memberships] or [None]
    for organization_id in organizations:
        audit.record(action, organization=organization_id, actor=actor, target=owner.email, details=details)
