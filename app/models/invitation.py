from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

INVITATION_LIFETIME = timedelta(days=7)


class InvitationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Invitation(db.Model):
    """An invitation by e-mail to join an organization with a role (and teams). Its link is signed
    (app/tokens.py) over the id and `nonce`: resending draws a new nonce, so only the latest link works;
    accepting or revoking ends it."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(20))
    team_ids: Mapped[list] = mapped_column(JSON, default=list)
    nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(default=lambda: utcnow() + INVITATION_LIFETIME)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    organization: Mapped["Organization"] = relationship()  # noqa: F821
    invited_by: Mapped["User | None"] = relationship(foreign_keys=[invited_by_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.email} to {self.organization_id}>"

    @property
    def state(self) -> InvitationState:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= utcnow():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    def renew(self) -> None:
        """Resend: a new link (the old one stops working) valid for another INVITATION_LIFETIME."""
        self.nonce = secrets.token_hex(16)
        self.sent_at = utcnow()
        self.expires_at = self.sent_at + INVITATION_LIFETIME

    def revoke(self) -> None:
        self.revoked_at = utcnow()

    def mark_accepted(self, user_id: int) -> None:
        self.accepted_at = utcnow()
        self.accepted_by_id = user_id
