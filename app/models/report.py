"""A report run (Report) and a saved report definition (ReportDefinition).

A Report holds what was asked (params, JSON), where its generation stands (status, phase, rows done of
the total) and what came out (file, rows, bytes, the summary shown on its page). The state changes are
methods here; app/reports commits and broadcasts them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

DEFAULT_LIFETIME = timedelta(days=90)


class ReportState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"


class ReportPhase(StrEnum):
    QUEUED = "queued"
    COUNTING = "counting"
    WRITING = "writing"
    WEEKLY = "weekly"  # the Weekly tables of a report spanning weeks; rows_done/rows_total count weeks meanwhile
    FINISHING = "finishing"
    DONE = "done"


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_user_created", "user_id", "created_at"),
        Index("ix_reports_expires", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    params: Mapped[dict] = mapped_column(JSON)
    format: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), default=ReportState.PENDING)
    phase: Mapped[str] = mapped_column(String(20), default=ReportPhase.QUEUED)
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int | None]
    row_count: Mapped[int | None]
    byte_size: Mapped[int | None]
    file_path: Mapped[str | None] = mapped_column(String(300))  # relative to REPORTS_DIR
    file_name: Mapped[str | None] = mapped_column(String(200))  # the name a download gets
    archived: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[dict | None] = mapped_column(JSON)
    weekly: Mapped[dict | None] = mapped_column(JSON)  # {"weeks": {first day: {"user"|"project": [[label, [7 s]]]}}}
    error_message: Mapped[str | None] = mapped_column(Text)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    as_of: Mapped[datetime] = mapped_column(default=utcnow)  # running timers count up to here
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime] = mapped_column(default=lambda: utcnow() + DEFAULT_LIFETIME)

    user: Mapped["User"] = relationship()  # noqa: F821
    organization: Mapped["Organization"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.status in (ReportState.PENDING, ReportState.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == ReportState.COMPLETED:
            return 100
        if not self.rows_total:
            return 0 if self.phase in (ReportPhase.QUEUED, ReportPhase.COUNTING) else 99
        if self.phase == ReportPhase.WEEKLY:  # after the rows (90%), the weeks fill the bar up to 99%
            return 90 + min(9, int(9 * self.rows_done / self.rows_total))
        if self.phase == ReportPhase.FINISHING:
            return 99
        return min(90, int(90 * self.rows_done / self.rows_total))

    def restart(self) -> None:
        """Back to the queue, for a first run or a retry: everything a previous attempt left is cleared."""
        self.status, self.phase = ReportState.PENDING, ReportPhase.QUEUED
        self.rows_done, self.rows_total, self.row_count, self.byte_size = 0, None, None, None
        self.summary = self.weekly = self.error_message = self.started_at = self.finished_at = None
        self.as_of = utcnow()

    def requeue(self) -> None:
        """Back to the queue after an attempt that died with its worker: its data stays as of the same moment."""
        self.status, self.phase, self.started_at = ReportState.PENDING, ReportPhase.QUEUED, None
        self.rows_done, self.rows_total = 0, None

    def start(self) -> None:
        self.status, self.phase, self.started_at = ReportState.RUNNING, ReportPhase.COUNTING, utcnow()
        self.rows_done, self.error_message = 0, None

    def complete(self, file_path: str, file_name: str, rows: int, size: int, summary: dict,
                 weekly: dict | None = None) -> None:
        self.status, self.phase, self.finished_at = ReportState.COMPLETED, ReportPhase.DONE, utcnow()
        self.file_path, self.file_name, self.row_count, self.byte_size = file_path, file_name, rows, size
        self.rows_done, self.summary, self.weekly, self.archived = rows, summary, weekly, False

    def fail(self, message: str) -> None:
        self.status, self.finished_at, self.error_message = ReportState.FAILED, utcnow(), message[:2000]

    def cancel(self) -> None:
        self.status, self.finished_at = ReportState.CANCELED, utcnow()

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.format} {self.status}>"


class ReportDefinition(db.Model):
    """A report's parameters saved under a name; a relative range ("last month") is resolved when run."""

    __tablename__ = "report_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
