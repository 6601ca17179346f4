"""Account security records: the signed links already used, and two-factor recovery codes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class UsedToken(db.Model):
    """A signed link that was used (app/services/tokens.py): refused from then on, whatever state comes back.
    The row is kept until the link would have expired anyway; the cleanup job deletes it after."""

    __tablename__ = "used_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha-256 of the token's kind, payload and time
    kind: Mapped[str] = mapped_column(String(32))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RecoveryCode(db.Model):
    """One of a user's single-use two-factor recovery codes, stored as its SHA-256 (the codes carry 80 random
    bits, so a fast digest is enough); shown once when made."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
