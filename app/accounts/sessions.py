"""Signing in and out, with sessions revoked on the server.

Flask's session is a signed cookie: deleting it in one browser revokes nothing. So every session and
remember cookie carries User.get_id(), "<id>:<session_version>", and User.from_session_token() refuses
it once the version has moved on, on every request and every socket. User.revoke_sessions() moves it
(sign-out, a password change, Organization.remove_member); once that commit lands, the hook below asks
every web process to close the user's open sockets, whoever committed it (a view, a job, the CLI).
"""
from __future__ import annotations

import logging

from sqlalchemy import event, func, inspect, select

from app import passwords
from app.extensions import db
from app.live.publisher import turbo
from app.models import User

log = logging.getLogger(__name__)

_PENDING = "revoked_user_ids"


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None. Every failure costs one check with the current
    method, so the timing tells neither which e-mails exist nor whose hash is old: an unknown e-mail is
    checked against a dummy hash, and a wrong password against an outdated (cheaper) or empty hash gets one
    dummy check more. An outdated hash is replaced by a current one on success."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        passwords.verify_unknown(password)
        return None
    if user.check_password(password):
        if user.upgrade_password_hash(password):
            db.session.commit()
        return user
    if not user.password_hash or passwords.needs_rehash(user.password_hash):
        passwords.verify_unknown(password)
    return None


def sign_out_everywhere(user: User) -> None:
    user.revoke_sessions()
    db.session.commit()


def close_sockets_on_revocation() -> None:
    """Once per process: after a commit that bumped users' session_version, close their open sockets."""
    if event.contains(db.session, "after_flush", _collect):
        return
    event.listen(db.session, "after_flush", _collect)
    event.listen(db.session, "after_commit", _publish)
    event.listen(db.session, "after_rollback", _forget)


def _collect(session, _flush_context) -> None:
    for record in session.dirty:
        if isinstance(record, User) and inspect(record).attrs.session_version.history.has_changes():
            session.info.setdefault(_PENDING, set()).add(record.id)


def _publish(session) -> None:
    for user_id in session.info.pop(_PENDING, ()):
        turbo.revoke_user(user_id)


def _forget(session) -> None:
    session.info.pop(_PENDING, None)
