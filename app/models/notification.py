"""Notifications: one record per thing a user is told, and each user's preferences about them.

A notification is created once per (user, dedup_key): a trigger that runs again (a retried job, a check
repeated every ten minutes) finds the key taken and notifies nobody twice. Delivery is separate (jobs on the
notifications queue, one per channel, app/notifications/delivery.py): an e-mail that fails and is
retried never touches the in-app record.
"""
from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    BOTH = "both"
    OFF = "off"

    @property
    def in_app(self) -> bool:
        return self in (Channel.IN_APP, Channel.BOTH)

    @property
    def email(self) -> bool:
        return self in (Channel.EMAIL, Channel.BOTH)


class EmailState(StrEnum):
    NONE = "none"  # no e-mail for this one (in-app only)
    PENDING = "pending"  # a delivery job is queued (maybe delayed: quiet hours, unread-after)
    DIGEST = "digest"  # waits for the user's daily digest
    SENT = "sent"
    SKIPPED = "skipped"  # read in the app before its e-mail was due
    FAILED = "failed"  # the e-mail job failed after its last retry (the in-app notification stands)


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedup_key", name="uq_notifications_user_dedup"),
        Index("ix_notifications_user_read_created", "user_id", "read_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    dedup_key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # what a kind's e-mail template shows besides the body
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email_state: Mapped[str] = mapped_column(String(10), default=EmailState.NONE)
    email_due_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def mark_read(self, now: datetime | None = None) -> bool:
        """True when it was unread (the caller commits and updates the bell)."""
        if self.read_at is not None:
            return False
        self.read_at = now or utcnow()
        return True

    def mark_emailed(self, now: datetime | None = None) -> None:
        self.email_state = EmailState.SENT
        self.emailed_at = now or utcnow()

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id} {self.dedup_key!r}>"


class NotificationPreference(db.Model):
    """A user's channel for one kind; a kind without a row uses its default (app/notifications/kinds.py)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))


class NotificationSettings(db.Model):
    """Per user: the daily digest and quiet hours (whole hours in the user's time zone; start == end: none)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[int | None]  # hour 0-23, local
    quiet_end: Mapped[int | None]
    last_digest_on: Mapped[date | None]  # the local day of the last digest sent: one a day
    # The daily reminder "You have not tracked anything today": its local time of day (NULL: off), weekdays only,
    # and the local day it was last looked at (sent, or not needed): once a day.
    reminder_at: Mapped[time | None]
    last_reminder_on: Mapped[date | None]

    def in_quiet_hours(self, local_hour: int) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None or start == end:
            return False
        return start <= local_hour < end if start < end else (local_hour >= start or local_hour < end)
