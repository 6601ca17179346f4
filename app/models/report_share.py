"""A share link of a report: whoever holds its secret reads the report (on screen and its file) without signing in,
until it expires or is revoked. Only the secret's SHA-256 is stored: the link is shown once, when it is made."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

SHARE_LIFETIMES = {1: "1 day", 7: "7 days", 30: "30 days"}  # days: what a person may choose


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class ReportShare(db.Model):
    __tablename__ = "report_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    secret_hash: Mapped[str] = mapped_column(db.String(64), unique=True)  # hex SHA-256 of the link's secret
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    report: Mapped["Report"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @classmethod
    def issue(cls, report_id: int, user_id: int, days: int) -> tuple[ReportShare, str]:
        """A new link (not yet added to the session) and its secret, which is stored nowhere else."""
        secret = secrets.token_urlsafe(32)
        share = cls(report_id=report_id, created_by_id=user_id, secret_hash=hash_secret(secret),
                    created_at=utcnow(), expires_at=utcnow() + timedelta(days=days))
        return share, secret

    def is_live(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and (now or utcnow()) < self.expires_at

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = utcnow()
