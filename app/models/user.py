from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_login import UserMixin
from sqlalchemy import Boolean, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_system_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")  # noqa: F821

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def set_password(self, password: str) -> None:
        # pbkdf2 with fewer rounds than werkzeug's default keeps bulk seeding fast; still salted and hashed.
        self.password_hash = generate_password_hash(password, method="pbkdf2:sha256:60000")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    @property
    def running_timer(self):
        from app.models.time_log import TimeLog

        return db.session.scalar(select(TimeLog).where(TimeLog.user_id == self.id, TimeLog.end_time.is_(None)))

    def membership_in(self, organization_id: int):
        return next((m for m in self.memberships if m.organization_id == organization_id), None)
