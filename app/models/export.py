"""A full export of an organization (Export): who asked, when, where its generation stands, and what came out
(the ZIP's size and rows per file). The state changes are methods here; app/organizations/exports.py commits and
broadcasts them. The phase is text for people, written in the language of the person who asked (exports.py)."""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

EXPORT_LIFETIME = timedelta(days=7)


class ExportState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Export(db.Model):
    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=ExportState.PENDING)
    percent: Mapped[int] = mapped_column(default=0)
    phase: Mapped[str] = mapped_column(String(200), default="Waiting for a worker")
    file_path: Mapped[str | None] = mapped_column(String(300))  # relative to REPORTS_DIR
    byte_size: Mapped[int | None]
    counts: Mapped[dict | None] = mapped_column(JSON)  # rows per table
    error_message: Mapped[str | None] = mapped_column(Text)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime] = mapped_column(default=lambda: utcnow() + EXPORT_LIFETIME, index=True)

    user: Mapped["User | None"] = relationship()  # noqa: F821
    organization: Mapped["Organization"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.status in (ExportState.PENDING, ExportState.RUNNING)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def start(self) -> None:
        self.status, self.started_at, self.percent, self.phase = ExportState.RUNNING, utcnow(), 1, _("Counting rows")
        self.error_message = None

    def progress(self, percent: int, phase: str) -> None:
        self.percent, self.phase = max(0, min(99, percent)), phase[:200]

    def complete(self, file_path: str, byte_size: int, counts: dict) -> None:
        self.status, self.percent, self.phase = ExportState.COMPLETED, 100, _("Done")
        self.file_path, self.byte_size, self.counts = file_path, byte_size, counts
        self.finished_at = utcnow()
        self.expires_at = self.finished_at + EXPORT_LIFETIME

    def fail(self, message: str) -> None:
        self.status, self.error_message, self.finished_at = ExportState.FAILED, message[:2000], utcnow()

    @property
    def row_total(self) -> int:
        return sum((self.counts or {}).values())
