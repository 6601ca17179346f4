"""A person's week submitted for approval in one organization (issue 21 B): submitted, approved (the week is then
locked), rejected with a comment (editable, to submit again), or open again after an owner unlocked it."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class ApprovalStatus(StrEnum):
    OPEN = "open"  # never submitted (no row), or unlocked by an owner after its approval
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


# What people read for a status (the value stays the stored and compared one). Lazy: str() before storing it.
APPROVAL_STATUS_LABELS = {ApprovalStatus.OPEN: _l("open"), ApprovalStatus.SUBMITTED: _l("submitted"),
                          ApprovalStatus.APPROVED: _l("approved"), ApprovalStatus.REJECTED: _l("rejected")}


def approval_status_label(status: str) -> str:
    return str(APPROVAL_STATUS_LABELS.get(status, status))


class WeekApproval(db.Model):
    __tablename__ = "week_approvals"
    __table_args__ = (UniqueConstraint("organization_id", "user_id", "week_start", name="uq_week_approval"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(Date)  # the week's first day (the organization's week start)
    status: Mapped[str] = mapped_column(String(20), default=ApprovalStatus.SUBMITTED.value, index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")

    @property
    def status_enum(self) -> ApprovalStatus:
        return ApprovalStatus(self.status)

    @property
    def locked(self) -> bool:
        return self.status == ApprovalStatus.APPROVED

    def submit(self, now: datetime | None = None) -> None:
        self.status = ApprovalStatus.SUBMITTED.value
        self.submitted_at = now or utcnow()
        self.decided_by_id = self.decided_at = None
        self.comment = ""

    def decide(self, decider_id: int, approve: bool, comment: str, now: datetime | None = None) -> None:
        self.status = (ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED).value
        self.decided_by_id = decider_id
        self.decided_at = now or utcnow()
        self.comment = comment

    def unlock(self) -> None:
        """Open the week again (the reason goes to the audit trail); the person submits it again."""
        self.status = ApprovalStatus.OPEN.value

    def __repr__(self) -> str:
        return f"<WeekApproval {self.id} user={self.user_id} {self.week_start} {self.status}>"
