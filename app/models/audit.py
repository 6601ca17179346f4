from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

AUDIT_ACTIONS = (
    "organization.create", "organization.update", "organization.delete", "organization.export",
    "invitation.create", "invitation.resend", "invitation.revoke", "invitation.accept",
    "member.role_change", "member.remove", "member.leave",
    "team.create", "team.rename", "team.delete", "team.member_add", "team.member_remove", "team.project_assign",
    "jobs.bulk_retry", "jobs.bulk_discard", "jobs.bulk_cancel", "jobs.bulk_restore", "jobs.restore",
    "jobs.cluster_known", "jobs.cluster_unknown",
    "jobs.queue_pause", "jobs.queue_resume", "jobs.recurring_enable", "jobs.recurring_disable",
    "two_factor.enable", "two_factor.disable", "two_factor.recovery_codes", "two_factor.recovery_code_used",
    "sso.link", "sso.unlink", "sso.sign_in",
    "token.create", "token.revoke",
    "import.run", "import.undo",
    "week.unlock",
    "webhook.create", "webhook.update", "webhook.switch", "webhook.rotate_secret", "webhook.delete",
    "report_share.create", "report_share.revoke",
    "rate.create", "rate.remove",
    "invoice.create", "invoice.delete", "invoice.send", "invoice.paid", "invoice.void",
)


class AuditEntry(db.Model):
    """Who changed what about people and settings, when and from which address. An organization's entries stay
    while it exists (its deletion is recorded without an organization: organization_id is then NULL)."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.target!r}>"
