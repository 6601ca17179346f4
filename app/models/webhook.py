"""Webhook endpoints an organization's owners register, and the log of every delivery made to them.

An endpoint holds its signing secret ("whsec_" + 43 URL-safe characters): the server needs the secret itself to
sign each delivery (an HMAC), so it is stored as is and shown to the owner once, after creation or rotation.
"""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow

WEBHOOK_EVENTS = (
    "time_entry.created", "time_entry.updated", "time_entry.deleted", "timer.started", "timer.stopped",
    "report.ready", "member.joined", "member.removed",
)
FAILURES_BEFORE_SWITCH_OFF = 10  # consecutive failed deliveries
AUTO_SWITCH_OFF = "Switched off after {} consecutive failed deliveries."  # stored as is; shown by disabled_reason_text
RESPONSE_KEPT = 2048  # characters of a response body kept in the log


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class DeliveryState(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"
    # emit()'s one query: the organization's active endpoints
    __table_args__ = (Index("ix_webhook_endpoints_org_active", "organization_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100), default=new_secret)
    active: Mapped[bool] = mapped_column(default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def wants(self, event: str) -> bool:
        return event in (self.events or [])

    @property
    def disabled_reason_text(self) -> str:
        """The reason it was switched off, in the reader's language (the stored reason is English: a job wrote it)."""
        if self.disabled_reason == AUTO_SWITCH_OFF.format(FAILURES_BEFORE_SWITCH_OFF):
            return _("Switched off after %(num)s consecutive failed deliveries.", num=FAILURES_BEFORE_SWITCH_OFF)
        return self.disabled_reason or ""

    def rotate_secret(self) -> str:
        self.secret = new_secret()
        return self.secret

    def switch(self, on: bool, reason: str = "") -> None:
        self.active = on
        self.disabled_reason = "" if on else reason
        if on:
            self.consecutive_failures = 0

    def record_outcome(self, succeeded: bool) -> bool:
        """Count a delivery's final outcome; True when this failure is the one that switches the endpoint off."""
        if succeeded:
            self.consecutive_failures = 0
            return False
        self.consecutive_failures += 1
        if self.active and self.consecutive_failures >= FAILURES_BEFORE_SWITCH_OFF:
            self.switch(False, AUTO_SWITCH_OFF.format(FAILURES_BEFORE_SWITCH_OFF))
            return True
        return False


class WebhookDelivery(db.Model):
    """One event sent to one endpoint: its body (fixed at creation, so a replay sends the same bytes), and what the
    last attempt got back."""
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    response_code: Mapped[int | None] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column()
    request_body: Mapped[str] = mapped_column(Text)
    response_body: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()

    def attempted(self, code: int | None, duration_ms: int, body: str, error: str = "") -> bool:
        """Record one attempt; True when it succeeded (a 2xx)."""
        self.attempts += 1
        self.last_attempt_at = utcnow()
        self.response_code, self.duration_ms = code, duration_ms
        self.response_body = (body or "")[:RESPONSE_KEPT].replace("\x00", "")
        ok = code is not None and 200 <= code < 300
        self.error = "" if ok else (error or f"HTTP {code}")[:500]
        self.status = DeliveryState.SUCCEEDED if ok else DeliveryState.FAILED
        if ok:
            self.delivered_at = self.last_attempt_at
        return ok

    def requeue(self) -> None:
        self.status = DeliveryState.PENDING
