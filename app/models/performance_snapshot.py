from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class PerformanceSnapshot(db.Model):
    """Job and queue health over one interval, kept for the system dashboard.

    data = {"kinds": {kind: {count, failures, p50_ms, p95_ms}}, "queues": {name: {depth, oldest_age_s}},
            "workers": n}
    """

    __tablename__ = "performance_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    interval_seconds: Mapped[int] = mapped_column(default=60)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
