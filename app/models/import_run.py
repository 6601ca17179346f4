"""An Import: one uploaded file of another tracker's time, its dry run (the plan), its import and its undo.

It keeps the file's text (web and workers may run on different machines), what the person chose (format, time
zone, unmatched people), where it stands (status, rows done), the plan the dry run made, the rows refused, and the
ids of every record the import created (`created`), which is what Undo removes.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class ImportState(StrEnum):
    PLANNING = "planning"  # the dry run is queued or running
    PLANNED = "planned"  # the plan is shown; nothing written yet
    REFUSED = "refused"  # the file as a whole could not be read
    IMPORTING = "importing"
    IMPORTED = "imported"
    FAILED = "failed"  # the import refused a row (or broke): nothing was written
    UNDONE = "undone"


CREATED_KINDS = ("time_logs", "projects", "clients", "tags", "tasks")


class Import(db.Model):
    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(20))  # "auto" until the dry run detects it
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # time_zone, assign_unmatched, mapping
    status: Mapped[str] = mapped_column(String(20), default=ImportState.PLANNING, index=True)
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    plan: Mapped[dict] = mapped_column(JSON, default=dict)
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [{"line": 3, "message": "..."}]
    message: Mapped[str] = mapped_column(Text, default="")  # what the page says of the outcome
    created: Mapped[dict] = mapped_column(JSON, default=dict)  # kind -> ids (CREATED_KINDS)
    entries_created: Mapped[int] = mapped_column(default=0)
    entries_skipped: Mapped[int] = mapped_column(default=0)  # imported before (same external id)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime | None]
    undone_at: Mapped[datetime | None]

    user: Mapped["User | None"] = relationship()  # noqa: F821
    organization: Mapped["Organization"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.status in (ImportState.PLANNING, ImportState.IMPORTING)

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    def planned(self, plan: dict, errors: list[dict]) -> None:
        self.status, self.plan, self.errors = ImportState.PLANNED, plan, errors
        self.message = ""

    def refuse(self, message: str) -> None:
        self.status, self.message = ImportState.REFUSED, message

    def fail(self, message: str, errors: list[dict] | None = None) -> None:
        self.status, self.message = ImportState.FAILED, message
        if errors is not None:
            self.errors = errors

    def done(self, created: dict, skipped: int) -> None:
        self.status, self.created, self.imported_at = ImportState.IMPORTED, created, utcnow()
        self.entries_created, self.entries_skipped = len(created.get("time_logs", [])), skipped

    def __repr__(self) -> str:
        return f"<Import {self.id} {self.format} {self.status}>"
