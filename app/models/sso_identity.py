from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class SSOIdentity(db.Model):
    """A sign-in of an OpenID Connect provider linked to an account: (provider, subject) names the person at the
    provider for good, so a later e-mail change there does not move the link to another account. `email` is only
    the address the provider last gave, shown in settings; it is never used to find the account again."""

    __tablename__ = "sso_identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_sso_identities_provider_subject"),
        UniqueConstraint("user_id", "provider", name="uq_sso_identities_user_provider"),  # one per provider
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<SSOIdentity {self.id} {self.provider} user={self.user_id}>"

    @classmethod
    def find(cls, provider: str, subject: str) -> SSOIdentity | None:
        return db.session.scalar(select(cls).where(cls.provider == provider, cls.subject == subject))

    @classmethod
    def of_user_at(cls, user, provider: str) -> SSOIdentity | None:
        """The account's identity at this provider (one at most)."""
        return db.session.scalar(select(cls).where(cls.user_id == user.id, cls.provider == provider))

    @classmethod
    def of(cls, user) -> list[SSOIdentity]:
        return list(db.session.scalars(select(cls).where(cls.user_id == user.id).order_by(cls.provider)))

    def used(self, email: str | None) -> None:
        """A sign-in through it: remember when, and the address the provider gave this time."""
        self.last_used_at = utcnow()
        if email:
            self.email = email[:254]
