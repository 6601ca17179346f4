"""Signed links: invitations, password resets, e-mail changes, sign-up and single sign-on link confirmations.

Each kind has its own salt (a token of one kind is never valid as another) and a maximum age. A token
carries what ties it to a state: an invitation's nonce (renewed on resend, ended on acceptance), a
fingerprint of the password hash (a reset ends once the password changed), the current e-mail address
(a confirmation ends once the address changed), a sign-up's or a pending link's nonce (deleted from Redis when
used).

And every link is single use whatever state comes back (an address changed, then changed back): `spend()`
records the token's id (a digest of its kind, payload and signing time; `make()` puts a random "j" in
each payload, so no two links share one) in the used_tokens table with the change it confirms, and
`read(..., unused=True)` refuses it from then on. Rows are kept until the link would have expired; the
cleanup job deletes them after. The unsubscribe link is the exception: it is meant to work again (the
List-Unsubscribe header), and unsubscribing twice changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import INVITATION_LIFETIME, UsedToken

MAX_AGE = {
    "invitation": int(INVITATION_LIFETIME.total_seconds()),
    "password-reset": 3600,
    "email-change": 24 * 3600,
    "signup": 24 * 3600,
    "unsubscribe": 365 * 24 * 3600,  # a notification e-mail's unsubscribe link (user and kind)
    "sso-link": 3600,  # linking a single sign-on identity to the account it names (app/services/sso.py)
}


REUSABLE = frozenset({"unsubscribe"})  # idempotent, and meant to work again: never spent


class TokenExpired(ValueError):
    pass


class TokenInvalid(ValueError):
    pass


class TokenUsed(ValueError):
    """The link was used already."""


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"timeboard-{kind}")


def make(kind: str, payload: dict) -> str:
    if kind not in MAX_AGE:
        raise ValueError(kind)
    if kind in REUSABLE:
        return _serializer(kind).dumps(payload)
    return _serializer(kind).dumps({**payload, "j": secrets.token_urlsafe(12)})


def read(kind: str, token: str, unused: bool = False) -> dict:
    """The payload; TokenExpired past the kind's maximum age, TokenInvalid for anything not signed by us, and
    with `unused`, TokenUsed once spend() recorded it."""
    payload, _ = _open(kind, token)
    if unused and db.session.get(UsedToken, token_id(kind, token)) is not None:
        raise TokenUsed(kind)
    return payload


def spend(kind: str, token: str) -> dict:
    """Mark the link used, in the caller's transaction (it commits with the change the link confirms); returns
    its payload. TokenUsed when it was used before, or by a concurrent request that committed first."""
    payload, signed_at = _open(kind, token)
    used = UsedToken(id=token_id(kind, token), kind=kind,
                     expires_at=signed_at.replace(tzinfo=None) + timedelta(seconds=MAX_AGE[kind]))
    if db.session.get(UsedToken, used.id) is not None:
        raise TokenUsed(kind)
    db.session.add(used)
    try:
        db.session.flush()
    except IntegrityError:  # spent at this moment by another request (spend() comes before any change)
        db.session.rollback()
        raise TokenUsed(kind) from None
    return payload


def token_id(kind: str, token: str) -> str:
    """What identifies a link however its text is spelled: a digest of its kind, payload and signing time."""
    payload, signed_at = _open(kind, token)
    canonical = json.dumps([kind, payload, int(signed_at.timestamp())], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _open(kind: str, token: str):
    try:
        payload, signed_at = _serializer(kind).loads(token or "", max_age=MAX_AGE[kind], return_timestamp=True)
    except SignatureExpired:
        raise TokenExpired(kind) from None
    except (BadSignature, ValueError, TypeError):
        raise TokenInvalid(kind) from None
    if not isinstance(payload, dict):
        raise TokenInvalid(kind)
    return payload, signed_at


def fingerprint(value: str) -> str:
    """A short digest of a secret-bearing value (a password hash), so a token can be tied to it without carrying it."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]
