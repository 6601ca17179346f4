"""Accounts: sign-up, password reset, password and e-mail changes.

No account enumeration, by the answer nor by its timing: sign-up and password reset answer the same whatever
the address, and do the same work for it. A request never looks the address up: sign-up hashes the password
and holds the sign-up in Redis (SIGNUP_TTL), a reset request holds nothing, and both enqueue one job
("signup_mail", "password_reset_mail") that looks the address up and mails its owner what applies (a
confirmation link, a note that the account exists with a reset link, a reset link, or nothing). An account
exists only once its address is proved; every link is signed and single use (app/services/tokens.py).
Links in these mails are made from APP_URL, never from the request's Host header.
"""
from __future__ import annotations

import json
import secrets

import redis
from flask import render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import passwords, tokens
from app.background.enqueue import EnqueueError, enqueue
from app.extensions import db
from app.i18n import DEFAULT, speaking_to, supported
from app.models import User
from app.notifications.mail import app_url_for, send_email, send_email_later
from app.redis_client import get_redis
from app.timezones import valid_zone

SIGNUP_PREFIX = "timeboard:signup:"
SIGNUP_TTL = tokens.MAX_AGE["signup"]


class AccountError(ValueError):
    """A link or change that cannot be used; the message is fit for the page."""


class ServiceUnavailable(RuntimeError):
    """Redis (which holds pending sign-ups) is unavailable: the page answers 503 with this message."""


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


# -- sign-up ---------------------------------------------------------------------------------------
def request_signup(name: str, email: str, password: str, time_zone: str = "UTC") -> None:
    """Hold the sign-up and enqueue its mail: the same work whether or not the address has an account."""
    nonce = secrets.token_urlsafe(24)
    pending = {"name": name, "email": email, "password_hash": passwords.hash_password(password),
               "time_zone": valid_zone(time_zone), "language": str(get_locale() or DEFAULT)}
    try:
        get_redis().set(SIGNUP_PREFIX + nonce, json.dumps(pending), ex=SIGNUP_TTL)
        enqueue("signup_mail", nonce)
    except (redis.RedisError, EnqueueError) as exc:
        raise ServiceUnavailable(_("Sign-up is unavailable for a moment: try again shortly.")) from exc


def send_signup_mail(nonce: str) -> str:
    """The "signup_mail" job: a confirmation link, or (the address has an account) a note with a reset link
    to its owner, and then the held sign-up is dropped. Safe to retry: it mails again, never twice an account."""
    key = SIGNUP_PREFIX + str(nonce)
    raw = get_redis().get(key)
    if raw is None:
        return "nothing to send: the sign-up expired or was confirmed"
    pending = json.loads(raw)
    existing = find_by_email(pending["email"])
    if existing is not None:
        with speaking_to(existing):
            send_email(pending["email"], _("You already have a Timeboard account"),
                       render_template("mail/signup_existing.txt", user=existing, url=reset_link(existing)))
        get_redis().delete(key)
        return "the address has an account: told its owner"
    url = app_url_for("auth.confirm_signup", token=tokens.make("signup", {"n": nonce}))
    with force_locale(supported(pending.get("language")) or DEFAULT):  # the language the person signed up in
        send_email(pending["email"], _("Confirm your Timeboard account"),
                   render_template("mail/signup.txt", name=pending["name"], url=url))
    return "confirmation link sent"


def confirm_signup(token: str) -> User:
    try:
        nonce = tokens.spend("signup", token).get("n")
    except tokens.TokenExpired:
        raise AccountError(_("This confirmation link has expired: sign up again.")) from None
    except tokens.TokenInvalid:
        raise AccountError(_("This confirmation link is not valid.")) from None
    except tokens.TokenUsed:
        raise AccountError(_("This confirmation link was already used. Sign in, or sign up again.")) from None
    try:
        raw = get_redis().getdel(SIGNUP_PREFIX + str(nonce))
    except redis.RedisError as exc:
        db.session.rollback()
        raise ServiceUnavailable(_("Sign-up is unavailable for a moment: open the link again shortly.")) from exc
    if raw is None:
        db.session.rollback()
        raise AccountError(_("This confirmation link was already used or has expired. Sign in, or sign up again."))
    pending = json.loads(raw)
    if find_by_email(pending["email"]) is not None:
        db.session.commit()  # the link is spent
        raise AccountError(_("An account with this address exists already: sign in."))
    user = User(email=pending["email"], name=pending["name"], password_hash=pending["password_hash"],
                time_zone=pending.get("time_zone") or "UTC")
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the address was taken in the meantime
        db.session.rollback()
        raise AccountError(_("An account with this address exists already: sign in.")) from None
    return user


# -- password reset --------------------------------------------------------------------------------
def reset_link(user: User) -> str:
    token = tokens.make("password-reset", {"u": user.id, "f": tokens.fingerprint(user.password_hash)})
    return app_url_for("auth.reset_password", token=token)


def request_password_reset(email: str) -> None:
    """Enqueue the reset mail, whether or not the address has an account (the job decides)."""
    try:
        enqueue("password_reset_mail", email)
    except EnqueueError as exc:
        raise ServiceUnavailable(_("Password reset is unavailable for a moment: try again shortly.")) from exc


def send_password_reset_mail(email: str) -> str:
    """The "password_reset_mail" job: a reset link (1 hour, single use) when the address has an account."""
    user = find_by_email(email)
    if user is None:
        return "no account with this address: nothing sent"
    with speaking_to(user):
        send_email(user.email, _("Reset your Timeboard password"),
                   render_template("mail/password_reset.txt", user=user, url=reset_link(user)))
    return "reset link sent"


def user_for_reset(token: str) -> User:
    try:
        payload = tokens.read("password-reset", token, unused=True)
    except tokens.TokenExpired:
        raise AccountError(_("This reset link has expired (links work for one hour): ask for a new one.")) from None
    except tokens.TokenInvalid:
        raise AccountError(_("This reset link is not valid.")) from None
    except tokens.TokenUsed:
        raise AccountError(_("This reset link was already used: ask for a new one if you need it.")) from None
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or payload.get("f") != tokens.fingerprint(user.password_hash):
        raise AccountError(_("This reset link was already used: ask for a new one if you need it."))
    return user


def reset_password(token: str, password: str) -> User:
    """Set the new password (which ends the link and every session of the account)."""
    user = user_for_reset(token)
    try:
        tokens.spend("password-reset", token)
    except tokens.TokenUsed:
        raise AccountError(_("This reset link was already used: ask for a new one if you need it.")) from None
    user.set_password(password)
    try:
        db.session.commit()
    except IntegrityError:  # the same link used at the same moment: the other request won
        db.session.rollback()
        raise AccountError(_("This reset link was already used: ask for a new one if you need it.")) from None
    return user


# -- settings --------------------------------------------------------------------------------------
def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(_("Your current password is not right."))
    user.set_password(new)  # revokes every session: the caller signs this one in again
    db.session.commit()


def request_email_change(user: User, new_email: str, current_password: str) -> None:
    if not user.check_password(current_password):
        raise AccountError(_("Your current password is not right."))
    if new_email.lower() == user.email.lower():
        raise AccountError(_("That is your address already."))
    token = tokens.make("email-change", {"u": user.id, "from": user.email, "to": new_email})
    url = app_url_for("settings.confirm_email", token=token)
    send_email_later(new_email, _("Confirm your new Timeboard address"),  # the request speaks the user's language
                     render_template("mail/email_change.txt", user=user, url=url))


def confirm_email_change(token: str) -> User:
    try:
        payload = tokens.read("email-change", token, unused=True)
    except tokens.TokenExpired:
        raise AccountError(_("This confirmation link has expired: change your address again.")) from None
    except tokens.TokenInvalid:
        raise AccountError(_("This confirmation link is not valid.")) from None
    except tokens.TokenUsed:
        raise AccountError(_("This confirmation link was already used.")) from None
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or user.email != payload.get("from"):
        raise AccountError(_("This confirmation link was already used."))
    if find_by_email(str(payload.get("to"))) is not None:
        raise AccountError(_("Another account uses this address."))
    try:
        tokens.spend("email-change", token)
    except tokens.TokenUsed:
        raise AccountError(_("This confirmation link was already used.")) from None
    user.email = payload["to"]
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(_("Another account uses this address.")) from None
    return user
