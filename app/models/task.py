from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

TASK_NAME_MAX = 200


class Task(db.Model):
    """A piece of a project ("Design", "Launch"); an entry may name one task of its own project."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_tasks_project_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(TASK_NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped["Project"] = relationship(back_populates="tasks")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.name!r}>"
