"""A tracked background job and its state changes (pending, processing, completed, failed, canceled).

The methods change the record's fields only; app.background.tracking commits and broadcasts.
"""
from __future__ import annotations

import traceback as tb
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class JobState(StrEnum):
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
        Index("ix_job_statuses_org_enqueued", "organization_id", "enqueued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rq_job_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # the organization the job works for (its dashboard, report, seeding run...): its owners and admins see it
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the request that enqueued it
    coalesce_key: Mapped[str | None] = mapped_column(String(200))
    args_summary: Mapped[str] = mapped_column(String(500), default="")
    # the full arguments (app/background/arguments.py), so the job can be queued again when Redis lost it;
    # None when one of them has no stored form
    arguments: Mapped[list | None] = mapped_column(JSON)
    run_at: Mapped[datetime | None]  # a delayed job's due time
    status: Mapped[str] = mapped_column(String(20), default=JobState.PENDING)
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
        return self.status in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELED)

    @staticmethod
    def summarize_args(args) -> str:
        text = ", ".join(repr(a) for a in args)
        return text if len(text) <= 200 else text[:197] + "..."

    # -- state changes: the runner, the reconciler, retry and cancel all go through these --------------
    def start(self, worker: str | None = None) -> None:
        """Enter processing: a worker took the job (one more attempt)."""
        self.status = JobState.PROCESSING
        self.started_at = utcnow()
        self.finished_at = None
        self.duration_ms = None
        self.progress = 0
        self.attempts += 1
        self.worker = worker

    def complete(self, result_summary: str | None = None) -> None:
        self._finish(JobState.COMPLETED)
        self.progress = 100
        self.result_summary = (result_summary or "")[:500] or None
        self.error_message = None
        self.traceback = None

    def fail(self, error: BaseException | str | None, will_retry: bool = False) -> None:
        """Record a failure; when the retry policy will run the job again it goes back to pending."""
        self._finish(JobState.PENDING if will_retry else JobState.FAILED)
        self.error_message = (str(error)[:2000] or type(error).__name__) if error else "failed"
        if isinstance(error, BaseException):
            self.traceback = "".join(tb.format_exception(type(error), error, error.__traceback__))[-20000:]

    def requeue(self, note: str | None = None) -> None:
        """Back to pending: a manual retry, or an abandoned execution RQ is retrying."""
        self.status = JobState.PENDING
        self.finished_at = None
        self.duration_ms = None
        self.progress = 0
        if note:
            self.error_message = note

    def cancel(self) -> None:
        self._finish(JobState.CANCELED)

    def _finish(self, state: JobState) -> None:
        self.status = state
        self.finished_at = utcnow()
        if self.started_at:
            self.duration_ms = int((self.finished_at - self.started_at).total_seconds() * 1000)

    def __repr__(self) -> str:
        return f"<JobStatus {self.rq_job_id} {self.kind} {self.status}>"
