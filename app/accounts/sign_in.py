"""The steps after the first factor (a password; SSO may call in too): the two-factor code when the account
has it, then the session.

    return continue_sign_in(user, remember, next_url)   # a 303 to the code step, or signed in

The code step waits in the session (TWO_FACTOR_PENDING: the user's session token, so a password change in
the meantime ends it; remember-me; where to go next) for PENDING_SECONDS and MAX_CODE_ATTEMPTS wrong codes.
Both steps share one per-address limit (LOGIN_RATE_LIMIT, scope "sign-in"), and their failures count
together per account (app/services/sign_in_limits.py). A completed sign-in leaves the device cookie that keeps
this browser out of locks that strangers cause.
"""
from __future__ import annotations

import time

from flask import current_app, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from app.accounts import sign_in_limits
from app.extensions import db, limiter
from app.i18n import browser_language
from app.models import User

TWO_FACTOR_PENDING = "two_factor_pending"
PENDING_SECONDS = 300
MAX_CODE_ATTEMPTS = 5

sign_in_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], scope="sign-in", methods=["POST"],
    error_message=lambda: _("Too many sign-in attempts. Wait a minute and try again."))


def continue_sign_in(user: User, remember: bool, next_url: str):
    if user.two_factor_enabled:
        session[TWO_FACTOR_PENDING] = {"u": user.get_id(), "r": bool(remember), "n": next_url,
                                       "t": int(time.time()), "a": 0}
        return redirect(url_for("auth.two_factor"), code=303)
    return finish_sign_in(user, remember, next_url)


def finish_sign_in(user: User, remember: bool, next_url: str):
    session.pop(TWO_FACTOR_PENDING, None)
    login_user(user, remember=remember)
    remember_browser_language(user)
    response = redirect(next_url, code=303)
    response.set_cookie(sign_in_limits.DEVICE_COOKIE, sign_in_limits.Attempt(user.email).succeeded(),
                        max_age=sign_in_limits.DEVICE_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def remember_browser_language(user: User) -> None:
    """Keep the language this browser asks for (Accept-Language), for e-mails and notices sent later by jobs when
    the person chose none (app/i18n.py language_of)."""
    asked = browser_language()
    if asked is not None and asked != user.browser_language:
        user.browser_language = asked
        db.session.commit()


def pending_user() -> tuple[User | None, dict]:
    """The user waiting at the code step (None when nobody is, or the wait expired or was ended)."""
    pending = session.get(TWO_FACTOR_PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("t", 0) > PENDING_SECONDS:
        session.pop(TWO_FACTOR_PENDING, None)
        return None, {}
    user = User.from_session_token(str(pending.get("u", "")))
    if user is None or not user.two_factor_enabled:
        session.pop(TWO_FACTOR_PENDING, None)
        return None, {}
    return user, pending


def code_failed(pending: dict) -> bool:
    """Count a wrong code against this wait; True when it is used up (back to the password)."""
    pending["a"] = pending.get("a", 0) + 1
    if pending["a"] >= MAX_CODE_ATTEMPTS:
        session.pop(TWO_FACTOR_PENDING, None)
        return True
    session[TWO_FACTOR_PENDING] = pending
    return False
