from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class Client(db.Model):
    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(default=False)
    # ISO 4217: the currency of its projects' amounts (issue 21); None: the organization's
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped["Organization"] = relationship()  # noqa: F821

    @property
    def money_currency(self) -> str:
        """The currency its projects' time is priced in: its own, else its organization's."""
        return self.currency or self.organization.currency

    def archive(self) -> None:
        self.archived = True

    def unarchive(self) -> None:
        self.archived = False
