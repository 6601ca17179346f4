"""Accounts: sign-up, password reset, password and e-mail changes.

No account enumeration: sign-up and password reset answer the same whatever the address; what differs goes
by e-mail to the address's owner. A sign-up is held in Redis (SIGNUP_TTL) until its link is opened, so an
account exists only once its address is proved; its token names the pending entry, which is used once.
"""
from __future__ import annotations

import json
import secrets

import redis
from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import passwords
from app.extensions import db
from app.mail import app_url_for, send_email_later
from app.models import User
from app.redis_client import get_redis
from app.services import tokens

SIGNUP_PREFIX = "timeboard:signup:"
SIGNUP_TTL = tokens.MAX_AGE["signup"]


class AccountError(ValueError):
    """A link or change that cannot be used; the message is fit for the page."""


class ServiceUnavailable(RuntimeError):
    """Redis (which holds pending sign-ups) is unavailable: the page answers 503 with this message."""


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def valid_zone(name: str | None) -> str:
    from zoneinfo import available_timezones

    return name if name in available_timezones() else "UTC"


# -- sign-up ---------------------------------------------------------------------------------------
def request_signup(name: str, email: str, password: str, time_zone: str = "UTC") -> None:
    """Send a confirmation link, or (the address has an account) a note with a password-reset link."""
    existing = find_by_email(email)
    if existing is not None:
        send_email_later(email, "You already have a Timeboard account",
                         render_template("mail/signup_existing.txt", user=existing, url=reset_link(existing)))
        return
    nonce = secrets.token_urlsafe(24)
    try:
        get_redis().set(SIGNUP_PREFIX + nonce, json.dumps({
            "name": name, "email": email, "password_hash": passwords.hash_password(password),
            "time_zone": valid_zone(time_zone)}), ex=SIGNUP_TTL)
    except redis.RedisError as exc:
        raise ServiceUnavailable("Sign-up is unavailable for a moment: try again shortly.") from exc
    url = app_url_for("auth.confirm_signup", token=tokens.make("signup", {"n": nonce}))
    send_email_later(email, "Confirm your Timeboard account", render_template("mail/signup.txt", name=name, url=url))


def confirm_signup(token: str) -> User:
    try:
        nonce = tokens.read("signup", token).get("n")
    except tokens.TokenExpired:
        raise AccountError("This confirmation link has expired: sign up again.") from None
    except tokens.TokenInvalid:
        raise AccountError("This confirmation link is not valid.") from None
    try:
        raw = get_redis().getdel(SIGNUP_PREFIX + str(nonce))
    except redis.RedisError as exc:
        raise ServiceUnavailable("Sign-up is unavailable for a moment: open the link again shortly.") from exc
    if raw is None:
        raise AccountError("This confirmation link was already used or has expired. Sign in, or sign up again.")
    pending = json.loads(raw)
    if find_by_email(pending["email"]) is not None:
        raise AccountError("An account with this address exists already: sign in.")
    user = User(email=pending["email"], name=pending["name"], password_hash=pending["password_hash"],
                time_zone=pending.get("time_zone") or "UTC")
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the address was taken in the meantime
        db.session.rollback()
        raise AccountError("An account with this address exists already: sign in.") from None
    return user


# -- password reset --------------------------------------------------------------------------------
def reset_link(user: User) -> str:
    token = tokens.make("password-reset", {"u": user.id, "f": tokens.fingerprint(user.password_hash)})
    return app_url_for("auth.reset_password", token=token)


def request_password_reset(email: str) -> None:
    """Mail a reset link (1 hour, single use) when the address has an account; nothing otherwise."""
    user = find_by_email(email)
    if user is not None:
        send_email_later(user.email, "Reset your Timeboard password",
                         render_template("mail/password_reset.txt", user=user, url=reset_link(user)))


def user_for_reset(token: str) -> User:
    try:
        payload = tokens.read("password-reset", token)
    except tokens.TokenExpired:
        raise AccountError("This reset link has expired (links work for one hour): ask for a new one.") from None
    except tokens.TokenInvalid:
        raise AccountError("This reset link is not valid.") from None
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or payload.get("f") != tokens.fingerprint(user.password_hash):
        raise AccountError("This reset link was already used: ask for a new one if you need it.")
    return user


def reset_password(token: str, password: str) -> User:
    """Set the new password (which ends the link and every session of the account)."""
    user = user_for_reset(token)
    user.set_password(password)
    db.session.commit()
    return user


# -- settings --------------------------------------------------------------------------------------
def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("Your current password is not right.")
    user.set_password(new)  # revokes every session: the caller signs this one in again
    db.session.commit()


def request_email_change(user: User, new_email: str, current_password: str) -> None:
    if not user.check_password(current_password):
        raise AccountError("Your current password is not right.")
    if new_email.lower() == user.email.lower():
        raise AccountError("That is your address already.")
    token = tokens.make("email-change", {"u": user.id, "from": user.email, "to": new_email})
    url = app_url_for("settings.confirm_email", token=token)
    send_email_later(new_email, "Confirm your new Timeboard address",
                     render_template("mail/email_change.txt", user=user, url=url))


def confirm_email_change(token: str) -> User:
    try:
        payload = tokens.read("email-change", token)
    except tokens.TokenExpired:
        raise AccountError("This confirmation link has expired: change your address again.") from None
    except tokens.TokenInvalid:
        raise AccountError("This confirmation link is not valid.") from None
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or user.email != payload.get("from"):
        raise AccountError("This confirmation link was already used.")
    if find_by_email(str(payload.get("to"))) is not None:
        raise AccountError("Another account uses this address.")
    user.email = payload["to"]
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError("Another account uses this address.") from None
    return user
