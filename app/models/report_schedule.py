"""A saved report definition's schedule (weekly or monthly, to chosen members of its organization), and each
scheduled run: one per definition and period (the unique key), so a period is never sent twice."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class Frequency(StrEnum):
    WEEKLY = "weekly"  # Monday 08:00 in the owner's time zone: last week
    MONTHLY = "monthly"  # the 1st at 08:00: last month


class ReportSchedule(db.Model):
    __tablename__ = "report_schedules"

    definition_id: Mapped[int] = mapped_column(ForeignKey("report_definitions.id", ondelete="CASCADE"),
                                               primary_key=True)
    frequency: Mapped[str] = mapped_column(String(10))
    recipient_ids: Mapped[list] = mapped_column(JSON, default=list)  # users, members of the organization
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    definition: Mapped["ReportDefinition"] = relationship()  # noqa: F821


class ReportScheduleRun(db.Model):
    __tablename__ = "report_schedule_runs"
    __table_args__ = (UniqueConstraint("definition_id", "period", name="uq_report_schedule_runs_definition_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("report_definitions.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))  # "2026-W48", "2026-11"
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
