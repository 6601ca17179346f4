from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class JobState(str, Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"


class JobStatus(db.Model):
    """One tracked background job: written by the enqueue helper and the job runner, never by job code."""

    __tablename__ = "job_statuses"
    __table_args__ = (
        Index("ix_job_statuses_status_enqueued", "status", "enqueued_at"),
        Index("ix_job_statuses_user_enqueued", "user_id", "enqueued_at"),
        Index("ix_job_statuses_kind_finished", "kind", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rq_job_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    coalesce_key: Mapped[str | None] = mapped_column(String(200))
    args_summary: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default=JobState.PENDING.value)
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=1)
    progress: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    error_message: Mapped[str | None] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)
    result_summary: Mapped[str | None] = mapped_column(String(500))

    @property
    def state(self) -> JobState:
        return JobState(self.status)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobState.COMPLETED.value, JobState.FAILED.value, JobState.CANCELED.value)

    def __repr__(self) -> str:
        return f"<JobStatus {self.rq_job_id} {self.kind} {self.status}>"
