"""Running totals per project, kept by the database itself: triggers on time_logs (migration c4d1f0a9e2b7)
add and subtract every inserted, updated and deleted log, whatever wrote it (the ORM, the bulk seeder, a
cascade), in the same transaction. Dashboards read all-time figures (budgets used, the platform's count of
logs) here instead of summing a history that only grows. app/maintenance/rollups.py rebuilds them from the logs.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ProjectTotal(db.Model):
    __tablename__ = "project_totals"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(index=True)
    logs: Mapped[int] = mapped_column(BigInteger, default=0)  # every log, running timers included
    minutes: Mapped[int] = mapped_column(BigInteger, default=0)  # finished logs' duration_minutes
