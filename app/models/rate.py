"""What an hour is worth, at one level, from one day on (issue 21).

Four levels, the most specific winning: the organization's default (user_id and project_id empty), a
member's (user_id), a project's (project_id), a member's on a project (both). Each row is effective from
its day until the next row of the same level and kind; a row without an amount ends that level's rate
(the next less specific level applies again). app/billing/rates.py resolves them.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

# The day a rate carried over from before rates had dates is effective from: before any time log.
FLOOR_DATE = date(1970, 1, 1)


class RateKind(StrEnum):
    BILLABLE = "billable"
    COST = "cost"


class Rate(db.Model):
    __tablename__ = "rates"
    __table_args__ = (
        CheckConstraint("kind in ('billable', 'cost')", name="kind"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        Index("ix_rates_level", "organization_id", "project_id", "user_id", "kind", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=RateKind.BILLABLE)
    # Per hour, in the currency of the time it prices (the project's client's, else the organization's);
    # None: this level has no rate from effective_from on.
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    effective_from: Mapped[date] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped["Organization"] = relationship()  # noqa: F821
    project: Mapped["Project | None"] = relationship(back_populates="rates")  # noqa: F821
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821

    @property
    def level(self) -> str:
        if self.project_id is not None or self.project is not None:
            return "member on project" if self.user_id is not None else "project"
        return "member" if self.user_id is not None else "organization"

    def is_future(self, today: date) -> bool:
        return self.effective_from > today

    def __repr__(self) -> str:
        return f"<Rate {self.id} {self.level} {self.kind} {self.amount} from {self.effective_from}>"


@event.listens_for(Rate, "before_insert")
def _organization_from_project(mapper, connection, rate: Rate) -> None:
    """A rate set on a project not yet saved takes the project's organization (known once it is inserted)."""
    if rate.organization_id is None and rate.project is not None:
        rate.organization_id = rate.project.organization_id
