"""Two-factor sign-in: TOTP codes (RFC 6238, pyotp) and single-use recovery codes.

Enrolment: `secret_for_enrolment()` draws a secret (kept on the user, not yet in force), shown as a QR code
(`qr_svg()`, server-side SVG by segno) and as text; `enable()` turns it on once a code from the app checks,
and returns 10 recovery codes, shown once and stored as digests. `disable()` needs the password and drops the
secret and the codes; `new_recovery_codes()` (password too) replaces the codes. Every change is recorded in the
audit trail of each organization the person belongs to (platform-wide when none), in the same commit.

`check()` takes a 6-digit code or a recovery code: a TOTP code is accepted within one time step either side
of now, and never twice (`totp_last_counter`); a recovery code is marked used by a conditional UPDATE, so two
requests cannot both spend it.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from enum import StrEnum

import pyotp
import segno
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.models import Membership, RecoveryCode, User, utcnow
from app.organizations import audit

ISSUER = "Timeboard"
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy by hand
RECOVERY_CODE_LENGTH = 16  # 31^16: about 79 bits
TOTP_CODE = re.compile(r"[0-9]{6}")


class TwoFactorError(ValueError):
    """A code or password that does not check; the message is fit for the page."""


class Factor(StrEnum):
    TOTP = "totp"
    RECOVERY = "recovery"


# -- enrolment -------------------------------------------------------------------------------------
def secret_for_enrolment(user: User) -> str:
    """The secret to enrol with: the one drawn earlier if enrolment is under way (a reload shows the same QR
    code), else a new one. Not in force until enable()."""
    if user.two_factor_enabled:
        raise TwoFactorError(_("Two-factor sign-in is already on."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.commit()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of an otpauth:// URI as a data: URI of an SVG image (the CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111", light="#fff")


def enable(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with the first code from the app; returns the recovery codes (shown once)."""
    if user.two_factor_enabled:
        raise TwoFactorError(_("Two-factor sign-in is already on."))
    if not user.totp_secret:
        raise TwoFactorError(_("Start again: the set-up expired."))
    if not _check_totp(user, code):
        raise TwoFactorError(_("That code is not right. Check your device's clock and type the current code."))
    user.two_factor_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    _record(user, "two_factor.enable")
    db.session.commit()
    return codes


def disable(user: User, password: str) -> None:
    if not user.check_password(password):
        raise TwoFactorError(_("Your password is not right."))
    user.totp_secret = None
    user.two_factor_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    _record(user, "two_factor.disable")
    db.session.commit()


def new_recovery_codes(user: User, password: str) -> list[str]:
    if not user.two_factor_enabled:
        raise TwoFactorError(_("Two-factor sign-in is off."))
    if not user.check_password(password):
        raise TwoFactorError(_("Your password is not right."))
    codes = _replace_recovery_codes(user)
    _record(user, "two_factor.recovery_codes")
    db.session.commit()
    return codes


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


# -- signing in ------------------------------------------------------------------------------------
def check(user: User, code: str) -> Factor | None:
    """Which factor this code proves (committed: a TOTP step or a recovery code is spent), or None."""
    if not user.two_factor_enabled:
        return None
    code = (code or "").strip().replace(" ", "")
    if TOTP_CODE.fullmatch(code):
        if _check_totp(user, code):
            db.session.commit()
            return Factor.TOTP
        return None
    digest = _digest(code)
    if digest is None:
        return None
    spent = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest, RecoveryCode.used_at.is_(None),
    ).values(used_at=utcnow()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        db.session.rollback()
        return None
    _record(user, "two_factor.recovery_code_used", {"left": recovery_codes_left(user)})
    db.session.commit()
    return Factor.RECOVERY


def _check_totp(user: User, code: str) -> bool:
    """A code of the time step before, at or after now, later than the last one accepted (which it becomes)."""
    code = (code or "").strip().replace(" ", "")
    if not TOTP_CODE.fullmatch(code) or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(datetime.now(UTC))
    for counter in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            if user.totp_last_counter is not None and counter <= user.totp_last_counter:
                return False  # a code works once
            user.totp_last_counter = counter
            return True
    return False


# -- recovery codes --------------------------------------------------------------------------------
def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes)
    return ["-".join(code[i:i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)) for code in codes]


def _digest(code: str) -> str | None:
    normalized = re.sub(r"[\s-]", "", code or "").lower()
    if len(normalized) != RECOVERY_CODE_LENGTH or any(c not in RECOVERY_ALPHABET for c in normalized):
        return None
    return hashlib.sha256(normalized.encode()).hexdigest()


# -- the audit trail -------------------------------------------------------------------------------
def _record(user: User, action: str, details: dict | None = None) -> None:
    """In every organization the person belongs to (its owners and admins see it), else platform-wide."""
    organization_ids = db.session.scalars(select(Membership.organization_id).where(
        Membership.user_id == user.id, Membership.removed_at.is_(None))).all()
    for organization_id in organization_ids or [None]:
        audit.record(action, organization=organization_id, actor=user, target=user.email, details=details)
