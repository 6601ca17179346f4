from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

DESCRIPTION_MAX = 1000
SHORTEST_KEPT_SECONDS = 60  # a timer stopped sooner is not kept (a start clicked by mistake)


class TimeLogError(ValueError):
    """A time log that breaks a rule; the message is fit to show the user."""


class TimeLog(db.Model):
    """A running timer (end_time empty) or a finished entry.

    The database enforces the rules too: end after start, one running timer per user, and
    (through composite foreign keys) a log only on a project of an organization the user belongs to.
    """

    __tablename__ = "time_logs"
    __table_args__ = (
        CheckConstraint("end_time IS NULL OR end_time > start_time", name="end_after_start"),
        CheckConstraint("duration_minutes IS NULL OR duration_minutes >= 0", name="duration"),
        # Two composite keys carry every reference: the project must be in the log's organization, and
        # the user a member of it (which implies the organization, project and user exist). Single-column
        # keys beside them would only repeat those checks on every insert (a third of bulk-seeding time on
        # PostgreSQL).
        ForeignKeyConstraint(
            ["organization_id", "project_id"], ["projects.organization_id", "projects.id"],
            name="fk_time_logs_project_in_org", ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["organization_id", "user_id"], ["memberships.organization_id", "memberships.user_id"],
            name="fk_time_logs_user_in_org", ondelete="CASCADE",
        ),
        Index("ix_time_logs_user_start", "user_id", "start_time"),
        Index("ix_time_logs_project_start", "project_id", "start_time"),
        Index("ix_time_logs_org_start", "organization_id", "start_time"),
        # Running timers of an organization: a handful of rows among its whole history.
        Index("ix_time_logs_org_running", "organization_id",
              sqlite_where=db.text("end_time IS NULL"), postgresql_where=db.text("end_time IS NULL")),
        # a paused timer (a segment ended by a pause, not resumed yet): one per user at most
        Index("uq_time_logs_one_paused_timer", "user_id", unique=True,
              sqlite_where=db.text("paused"), postgresql_where=db.text("paused")),
        # an imported entry's source (format + the source's id or a hash of its row): importing again skips it
        Index("uq_time_logs_org_external_id", "organization_id", "external_id", unique=True),
        Index(
            "uq_time_logs_one_running_timer", "user_id", unique=True,
            sqlite_where=db.text("end_time IS NULL"), postgresql_where=db.text("end_time IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int]
    user_id: Mapped[int]
    project_id: Mapped[int]
    start_time: Mapped[datetime]
    end_time: Mapped[datetime | None]
    duration_minutes: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")
    billable: Mapped[bool] = mapped_column(default=True)
    # no foreign keys on these two (see the migration d19b7c4e2a61): the services keep them consistent
    task_id: Mapped[int | None] = mapped_column(index=True)
    paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    resumed_from_id: Mapped[int | None]
    external_id: Mapped[str | None] = mapped_column(db.String(120))  # set by an import (app/imports)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the system dashboard's growth
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped["User"] = relationship(  # noqa: F821
        primaryjoin="foreign(TimeLog.user_id) == User.id", viewonly=True)
    project: Mapped["Project"] = relationship(  # noqa: F821
        primaryjoin="foreign(TimeLog.project_id) == Project.id", viewonly=True)
    task: Mapped["Task | None"] = relationship(  # noqa: F821
        primaryjoin="foreign(TimeLog.task_id) == Task.id", viewonly=True)
    tags: Mapped[list["Tag"]] = relationship(secondary="time_log_tags", order_by="Tag.name")  # noqa: F821

    @property
    def is_running(self) -> bool:
        return self.end_time is None

    def elapsed_seconds(self, now: datetime | None = None) -> int:
        end = self.end_time or (now or utcnow())
        return max(0, int((end - self.start_time).total_seconds()))

    @staticmethod
    def check(start_time: datetime, end_time: datetime | None, description: str) -> None:
        """Raise TimeLogError when the values break a rule the database would also refuse."""
        if end_time is not None and end_time <= start_time:
            raise TimeLogError(_("End must be after start."))
        if len(description or "") > DESCRIPTION_MAX:
            raise TimeLogError(_("Description must be at most %(max)s characters.", max=DESCRIPTION_MAX))

    def stop(self, at: datetime | None = None) -> None:
        """Stop a running timer; a timer stopped within its first second still counts one second."""
        if not self.is_running:
            raise TimeLogError(_("This timer is not running."))
        at = at or utcnow()
        if at <= self.start_time:
            at = self.start_time + timedelta(seconds=1)
        self.end_time = at
        self.duration_minutes = round((self.end_time - self.start_time).total_seconds() / 60)

    @property
    def too_short_to_keep(self) -> bool:
        """A finished timer under a minute: stopping it deletes it rather than keep a 0-minute entry."""
        return self.end_time is not None and self.elapsed_seconds() < SHORTEST_KEPT_SECONDS

    def detached_copy(self) -> TimeLog:
        """A copy of what the log is now, outside the session: live updates also refresh what it touched
        once it has changed or gone (its tags as `tag_ids`, for an undo)."""
        copy = TimeLog(id=self.id, user_id=self.user_id, organization_id=self.organization_id,
                       project_id=self.project_id, start_time=self.start_time, end_time=self.end_time,
                       duration_minutes=self.duration_minutes, description=self.description, billable=self.billable,
                       created_at=self.created_at, task_id=self.task_id, paused=self.paused,
                       resumed_from_id=self.resumed_from_id)
        copy.tag_ids = [tag.id for tag in self.tags]
        return copy

    def set_times(self, start_time: datetime, end_time: datetime | None) -> None:
        self.check(start_time, end_time, self.description)
        self.start_time = start_time
        self.end_time = end_time
        self.duration_minutes = None if end_time is None else round((end_time - start_time).total_seconds() / 60)
