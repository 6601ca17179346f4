from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

# the colours a project's dot takes; a new project gets the next one of its organization
PALETTE = ("#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6", "#64748b")


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        # Lets time_logs reference (organization_id, id), so the database itself refuses a log
        # on another organization's project.
        UniqueConstraint("organization_id", "id", name="uq_projects_org_id"),
        CheckConstraint("status in ('active', 'archived')", name="status"),
        CheckConstraint("budget_hours IS NULL OR budget_hours >= 0", name="budget"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=ProjectStatus.ACTIVE)
    budget_hours: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    billable: Mapped[bool] = mapped_column(default=True)
    color: Mapped[str] = mapped_column(String(7), default=PALETTE[0], server_default=PALETTE[0])
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped["Organization"] = relationship()  # noqa: F821
    client: Mapped["Client | None"] = relationship()  # noqa: F821
    team: Mapped["Team | None"] = relationship()  # noqa: F821
    tasks: Mapped[list["Task"]] = relationship(  # noqa: F821
        back_populates="project", order_by="Task.name", passive_deletes=True)
    # its project-level and member-on-project rates (app/models/rate.py)
    rates: Mapped[list["Rate"]] = relationship(  # noqa: F821
        back_populates="project", order_by="Rate.effective_from", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def is_active(self) -> bool:
        return self.status == ProjectStatus.ACTIVE

    @property
    def hourly_rate(self) -> Decimal | None:
        """Today's project-level billable rate (a read of its rates: they are the one source of truth)."""
        today = date.today()
        current = None
        for rate in self.rates:
            if rate.user_id is None and rate.kind == "billable" and rate.effective_from <= today:
                if current is None or (rate.effective_from, rate.created_at or datetime.min) >= (
                        current.effective_from, current.created_at or datetime.min):
                    current = rate
        return None if current is None else current.amount

    @hourly_rate.setter
    def hourly_rate(self, amount: Decimal | None) -> None:
        """Sets the project-level billable rate: from today on, or since always for a project not yet saved
        (a new project has no past to rewrite)."""
        from app.models.rate import FLOOR_DATE, Rate, RateKind

        since = FLOOR_DATE if self.id is None else date.today()
        amount = None if amount is None else Decimal(amount)
        for rate in self.rates:
            if rate.user_id is None and rate.kind == RateKind.BILLABLE and rate.effective_from == since:
                rate.amount = amount
                return
        if amount == self.hourly_rate:  # unchanged: saving a form again adds no row
            return
        # organization_id: the project's, filled in at insert when the project is new (Rate's before_insert)
        self.rates.append(Rate(organization_id=self.organization_id, kind=RateKind.BILLABLE, amount=amount,
                               effective_from=since))

    def archive(self) -> None:
        self.status = ProjectStatus.ARCHIVED

    def unarchive(self) -> None:
        self.status = ProjectStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name!r}>"
