from __future__ import annotations

from datetime import datetime
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
        CheckConstraint("hourly_rate IS NULL OR hourly_rate >= 0", name="hourly_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=ProjectStatus.ACTIVE)
    budget_hours: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    billable: Mapped[bool] = mapped_column(default=True)
    # Per hour, in the organization's currency; None: no amount is shown for this project's time.
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    color: Mapped[str] = mapped_column(String(7), default=PALETTE[0], server_default=PALETTE[0])
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped["Organization"] = relationship()  # noqa: F821
    client: Mapped["Client | None"] = relationship()  # noqa: F821
    team: Mapped["Team | None"] = relationship()  # noqa: F821
    tasks: Mapped[list["Task"]] = relationship(  # noqa: F821
        back_populates="project", order_by="Task.name", passive_deletes=True)

    @property
    def is_active(self) -> bool:
        return self.status == ProjectStatus.ACTIVE

    def archive(self) -> None:
        self.status = ProjectStatus.ARCHIVED

    def unarchive(self) -> None:
        self.status = ProjectStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name!r}>"
