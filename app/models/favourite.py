from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.time_log import DESCRIPTION_MAX

favourite_tags = Table(
    "favourite_tags", db.metadata,
    Column("favourite_id", ForeignKey("favourites.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Favourite(db.Model):
    """A person's pinned combination of an entry (project, task, description, tags, billable): one click starts a
    timer like it (app/time_tracking/favourites.py)."""

    __tablename__ = "favourites"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    billable: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped["Project"] = relationship()  # noqa: F821
    task: Mapped["Task | None"] = relationship()  # noqa: F821
    tags: Mapped[list["Tag"]] = relationship(secondary="favourite_tags", order_by="Tag.name")  # noqa: F821

    @property
    def key(self) -> tuple:
        """What makes two favourites (or a favourite and an entry) the same combination."""
        return combination(self.project_id, self.task_id, self.description, self.billable, self.tags)

    def __repr__(self) -> str:
        return f"<Favourite {self.id} user={self.user_id} project={self.project_id}>"


def combination(project_id, task_id, description, billable, tags) -> tuple:
    return (project_id, task_id or None, (description or "").strip(), bool(billable),
            tuple(sorted(tag.id for tag in tags)))
