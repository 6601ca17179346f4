"""Personal access tokens for the REST API (/api/v1): only a SHA-256 of the token is stored.

A token is "tb_" + 43 URL-safe characters (32 random bytes); its holder acts as its user, within its scope
(read: GET only; write: every method). Revoked or expired, it authenticates nothing.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class TokenScope(StrEnum):
    READ = "read"
    WRITE = "write"


class AccessToken(db.Model):
    __tablename__ = "access_tokens"
    __table_args__ = (CheckConstraint("scope in ('read', 'write')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the whole token
    hint: Mapped[str] = mapped_column(String(12))  # the token's first characters, to tell tokens apart in lists
    scope: Mapped[str] = mapped_column(String(10), default=TokenScope.READ)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped["User"] = relationship()  # noqa: F821

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = utcnow()

    def __repr__(self) -> str:
        return f"<AccessToken {self.id} {self.name!r} {self.scope}>"
