from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import passwords
from app.extensions import db
from app.models.base import utcnow
from app.models.time_log import TimeLog

SESSION_TOKEN = re.compile(r"([0-9]{1,18}):([0-9]{1,18})")


# The appearances a person may choose in their settings: value -> what the settings form calls it.
THEMES = {"system": _l("Same as this device"), "light": _l("Light"), "dark": _l("Dark")}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_system_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Minutes without input (page hidden or untouched) after which a running timer asks about the idle time.
    idle_minutes: Mapped[int] = mapped_column(default=10, server_default="10")
    # Light or dark pages: "system" follows the device's setting (prefers-color-scheme); see THEMES.
    theme: Mapped[str] = mapped_column(String(8), default="system", server_default="system")
    # The language pages, e-mails and notices speak to them (app/i18n.py): their choice (NULL: as their
    # browser asks), and what their browser asked for when they last signed in (for e-mails when unchosen).
    language: Mapped[str | None] = mapped_column(String(8))
    browser_language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Part of every session and remember cookie (get_id): bumping it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-factor sign-in (app/services/two_factor.py): the TOTP secret (set while enrolling, kept once
    # confirmed), when it was confirmed (NULL: off), and the last time step accepted (a code works once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    two_factor_enabled_at: Mapped[datetime | None]
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger)

    # Current memberships only: a removed member's row stays (their time logs reference it) but grants nothing.
    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        primaryjoin="and_(User.id == Membership.user_id, Membership.removed_at.is_(None))", viewonly=True)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def get_id(self) -> str:
        """Flask-Login's token, kept in the session and the remember cookie: "<id>:<session_version>"."""
        return f"{self.id}:{self.session_version or 0}"

    @classmethod
    def from_session_token(cls, token: str) -> User | None:
        """The user a session or remember cookie names, if it was issued since their last revocation."""
        match = SESSION_TOKEN.fullmatch(token or "")
        if match is None:
            return None
        user = db.session.get(cls, int(match[1]))
        return user if user is not None and user.session_version == int(match[2]) else None

    def revoke_sessions(self) -> None:
        """Sign out everywhere: every session and remember cookie issued so far stops working, and once this
        is committed the user's open sockets are closed (app/accounts/sessions.py)."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        """A new password: hashed with the current default method, and every existing session revoked."""
        self.password_hash = passwords.hash_password(password)
        if self.id is not None:
            self.revoke_sessions()

    @property
    def two_factor_enabled(self) -> bool:
        return self.two_factor_enabled_at is not None

    @property
    def has_password(self) -> bool:
        """False for an account made through single sign-on that never set one: it signs in with a provider only."""
        return bool(self.password_hash)

    def check_password(self, password: str) -> bool:
        return passwords.verify(self.password_hash, password)

    def upgrade_password_hash(self, password: str) -> bool:
        """After a successful check: re-hash a password stored with an outdated method (no session is revoked).
        True when it changed (the caller commits)."""
        if not passwords.needs_rehash(self.password_hash):
            return False
        self.password_hash = passwords.hash_password(password)
        return True

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    @property
    def running_timer(self):
        return db.session.scalar(select(TimeLog).where(TimeLog.user_id == self.id, TimeLog.end_time.is_(None)))

    @property
    def paused_timer(self):
        """The segment a pause ended, while it waits to be resumed (None once resumed, stopped or replaced)."""
        return db.session.scalar(select(TimeLog).where(TimeLog.user_id == self.id, TimeLog.paused.is_(True)))

    def membership_in(self, organization_id: int):
        return next((m for m in self.memberships if m.organization_id == organization_id), None)
