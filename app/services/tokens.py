"""Signed links: invitations, password resets, e-mail changes, sign-up and single sign-on link confirmations.

Each kind has its own salt (a token of one kind is never valid as another) and a maximum age. A token
carries what makes it single use: an invitation's nonce (renewed on resend, ended on acceptance), a
fingerprint of the password hash (a reset ends once the password changed), the current e-mail address
(a confirmation ends once the address changed), a sign-up's or a pending link's nonce (deleted from Redis when
used).
"""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.models import INVITATION_LIFETIME

MAX_AGE = {
    "invitation": int(INVITATION_LIFETIME.total_seconds()),
    "password-reset": 3600,
    "email-change": 24 * 3600,
    "signup": 24 * 3600,
    "unsubscribe": 365 * 24 * 3600,  # a notification e-mail's unsubscribe link (user and kind)
    "sso-link": 3600,  # linking a single sign-on identity to the account it names (app/services/sso.py)
}


class TokenExpired(ValueError):
    pass


class TokenInvalid(ValueError):
    pass


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"timeboard-{kind}")


def make(kind: str, payload: dict) -> str:
    if kind not in MAX_AGE:
        raise ValueError(kind)
    return _serializer(kind).dumps(payload)


def read(kind: str, token: str) -> dict:
    """The payload; TokenExpired past the kind's maximum age, TokenInvalid for anything not signed by us."""
    try:
        payload = _serializer(kind).loads(token or "", max_age=MAX_AGE[kind])
    except SignatureExpired:
        raise TokenExpired(kind) from None
    except (BadSignature, ValueError, TypeError):
        raise TokenInvalid(kind) from None
    if not isinstance(payload, dict):
        raise TokenInvalid(kind)
    return payload


def fingerprint(value: str) -> str:
    """A short digest of a secret-bearing value (a password hash), so a token can be tied to it without carrying it."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]
