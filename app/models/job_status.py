"""A tracked background job and its state changes (pending, processing, completed, failed, canceled).

The methods change the record's fields only; app.background.tracking commits and broadcasts.
"""
from __future__ import annotations

import hashlib
import re
import traceback as tb
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, func, literal
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
        Index("ix_job_statuses_fingerprint_status", "fingerprint", "status"),
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
    run_at: Mapped[datetime | None]  # from when it may run: a delayed job's due time, a requeued job's requeue
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
    # a failure's cluster (failure_fingerprint()): set when the job fails, cleared when it completes
    fingerprint: Mapped[str | None] = mapped_column(String(40))
    manual_retries: Mapped[int] = mapped_column(default=0, server_default="0")
    # discarded from the job monitor: hidden from the list, restorable for DISCARD_UNDO, still counted in figures
    discarded_at: Mapped[datetime | None]
    # who asked and for whom, by name on the job's page (loaded only there: a list row shows neither)
    requester: Mapped["User | None"] = relationship(viewonly=True)  # noqa: F821
    organization: Mapped["Organization | None"] = relationship(viewonly=True)  # noqa: F821

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

    @classmethod
    def completion_values(cls, started_at: datetime, worker: str | None, result_summary: str | None) -> dict:
        """The columns a run that started at `started_at` and completed now writes, as start() then complete() set
        them, its attempt counted in SQL: an UPDATE that needs no read of the row (a brief kind's run,
        app/background/tracking.py). A plain dict, not a scratch instance: this is on every such job's path."""
        finished_at = utcnow()
        return {"status": JobState.COMPLETED, "started_at": started_at, "finished_at": finished_at,
                "duration_ms": int((finished_at - started_at).total_seconds() * 1000), "progress": 100,
                "worker": worker, "result_summary": (result_summary or "")[:500] or None, "error_message": None,
                "traceback": None, "fingerprint": None, "attempts": cls.attempts + 1}

    def complete_as_recorded(self, started_at: datetime | None, finished_at: datetime | None, worker: str | None,
                             result_summary: str | None) -> None:
        """A run that ended while its row was never told (a brief kind's, its worker dead before writing its end):
        completed as RQ recorded it, its attempt counted, as start() then complete() would have set it then."""
        self.start(worker)
        self.complete(result_summary)
        self.started_at = started_at or self.started_at
        self.finished_at = finished_at or self.finished_at
        self.duration_ms = max(0, int((self.finished_at - self.started_at).total_seconds() * 1000))

    def complete(self, result_summary: str | None = None) -> None:
        self._finish(JobState.COMPLETED)
        self.progress = 100
        self.result_summary = (result_summary or "")[:500] or None
        self.error_message = None
        self.traceback = None
        self.fingerprint = None

    def fail(self, error: BaseException | str | None, will_retry: bool = False) -> None:
        """Record a failure; when the retry policy will run the job again it goes back to pending."""
        self._finish(JobState.PENDING if will_retry else JobState.FAILED)
        self.error_message = (str(error)[:2000] or type(error).__name__) if error else "failed"
        if isinstance(error, BaseException):
            self.traceback = "".join(tb.format_exception(type(error), error, error.__traceback__))[-20000:]
        self.fingerprint = failure_fingerprint(self.kind, self.traceback if isinstance(error, BaseException)
                                               else None, self.error_message)

    def count_manual_retry(self) -> None:
        """A person retried the failed job (one more attempt beyond its automatic ones)."""
        self.manual_retries = (self.manual_retries or 0) + 1

    def discard(self) -> None:
        """Hide a failed job from the monitor; restore() brings it back within DISCARD_UNDO."""
        self.discarded_at = utcnow()

    def restore(self) -> None:
        self.discarded_at = None

    @property
    def restorable_until(self) -> datetime | None:
        return self.discarded_at + DISCARD_UNDO if self.discarded_at else None

    def requeue(self, note: str | None = None) -> None:
        """Back to pending: a manual retry, or an abandoned execution RQ is retrying. It waits again from now (its
        wait is not the time since its first enqueue) and has not started yet."""
        self.status = JobState.PENDING
        self.run_at = utcnow()
        self.started_at = None
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


DISCARD_UNDO = timedelta(hours=24)

# a frame of a traceback: File "/srv/timeboard/app/reports/query.py", line 12, in run
FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line \d+, in (?P<func>\S+)', re.M)
OUR_CODE = re.compile(r"(?:^|/)((?:app|jobs)/[^\s\"]+\.py)$")
EXCEPTION_LINE = re.compile(r"^(?P<cls>[A-Za-z_][\w.]*)(?::|$)")
VOLATILE = re.compile(r"0x[0-9a-f]+|[0-9a-f]{8,}|\d+", re.I)


def failure_origin(traceback: str | None) -> tuple[str | None, str | None]:
    """(exception class, innermost frame of our code as "app/x.py:function") from a stored traceback."""
    if not traceback:
        return None, None
    frame = None
    for match in FRAME.finditer(traceback):
        ours = OUR_CODE.search(match["path"])
        if ours and "site-packages" not in match["path"]:
            frame = f"{ours[1]}:{match['func']}"
    exception = None
    for line in reversed(traceback.rstrip().splitlines()):
        if line and not line.startswith(" ") and (found := EXCEPTION_LINE.match(line)):
            exception = found["cls"].rsplit(".", 1)[-1]
            break
    return exception, frame


def failure_fingerprint(kind: str, traceback: str | None, message: str | None) -> str:
    """A failure's cluster: its kind, exception class and the innermost frame of our code in its traceback (line
    numbers left out: an edit elsewhere in the file keeps the cluster); without a traceback, its message with
    numbers and ids blanked."""
    exception, frame = failure_origin(traceback)
    if exception or frame:
        parts = [kind, exception or "?", frame or "?"]
    else:
        parts = [kind, "message", VOLATILE.sub("#", (message or "")[:200])]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def cluster_key():
    """The SQL expression grouping failures into clusters: the fingerprint; a failure recorded before fingerprints
    existed falls in its kind's cluster ("kind:<kind>")."""
    return func.coalesce(JobStatus.fingerprint, literal("kind:").concat(JobStatus.kind))


class KnownFailure(db.Model):
    """A failure cluster an operator marked as known: it stops counting in the operator alerts."""

    __tablename__ = "known_failures"

    fingerprint: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)


def ready_from(enqueued_at: datetime, run_at: datetime | None) -> datetime:
    """When a job could be taken: its enqueue, its delay's end, or its last requeue (what its wait counts from)."""
    return max(enqueued_at, run_at) if run_at else enqueued_at
