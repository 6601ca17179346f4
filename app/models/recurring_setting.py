"""An operator's switch for one recurring entry (app/background/recurring.py), kept in the database so that it
survives restarts of every process and of Redis. No row: the entry's default from the table applies."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class RecurringSetting(db.Model):
    __tablename__ = "recurring_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<RecurringSetting {self.name} {'on' if self.enabled else 'off'}>"
