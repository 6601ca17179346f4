"""What ages out, as a list of rules: a later kind of record (notifications, report files) joins with one line.

Users, organizations, projects and time logs have no rule and are never touched.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, delete, func, select

from app.extensions import db
from app.models import Export, JobState, JobStatus, PerformanceSnapshot, Report, UsedToken, utcnow
from app.organizations.exports import delete_files as delete_export_files
from app.reports.archival import delete_files

FINISHED = [JobState.COMPLETED, JobState.FAILED, JobState.CANCELED]


@dataclass(frozen=True)
class CleanupRule:
    name: str
    model: type
    age_column: str  # naive-UTC timestamp column the age is measured on
    max_age: timedelta
    condition: Callable[[], ColumnElement[bool]] | None = None  # e.g. only finished jobs
    before_delete: Callable[[list], None] | None = None  # gets the records about to go (e.g. to remove files)

    def where(self, now) -> list[ColumnElement[bool]]:
        column = getattr(self.model, self.age_column)
        clauses = [column.is_not(None), column < now - self.max_age]
        if self.condition is not None:
            clauses.append(self.condition())
        return clauses

    def describe(self) -> str:
        """What the rule deletes, for `flask cleanup` (table and column names stay as they are)."""
        if not self.max_age:
            return _("%(table)s past their %(column)s", table=self.model.__tablename__, column=self.age_column)
        return _("%(table)s older than %(days)s days (by %(column)s)", table=self.model.__tablename__,
                 days=self.max_age.days, column=self.age_column)


def _delete_report_files(reports) -> None:
    delete_files(reports)


RULES: list[CleanupRule] = [
    CleanupRule("job_statuses", JobStatus, "finished_at", timedelta(days=30), lambda: JobStatus.status.in_(FINISHED)),
    CleanupRule("performance_snapshots", PerformanceSnapshot, "taken_at", timedelta(days=7)),
    CleanupRule("reports", Report, "expires_at", timedelta(0), before_delete=_delete_report_files),
    # a used link's record, once the link would have expired anyway (app/services/tokens.py)
    CleanupRule("used_tokens", UsedToken, "expires_at", timedelta(0)),
    # a full export of an organization, 7 days after it was written: its ZIP, then its row
    CleanupRule("exports", Export, "expires_at", timedelta(0), before_delete=delete_export_files),
]


def run_cleanup(dry_run: bool = False, rules: list[CleanupRule] | None = None) -> dict[str, int]:
    """Delete (or, dry, only count) what each rule matches; returns {rule name: rows}."""
    now = utcnow()
    counts: dict[str, int] = {}
    for rule in rules or RULES:
        clauses = rule.where(now)
        if dry_run:
            counts[rule.name] = db.session.scalar(select(func.count()).select_from(rule.model).where(*clauses))
        else:
            if rule.before_delete is not None:
                rule.before_delete(db.session.scalars(select(rule.model).where(*clauses)).all())
            result = db.session.execute(delete(rule.model).where(*clauses).execution_options(synchronize_session=False))
            counts[rule.name] = result.rowcount or 0
            db.session.commit()
    return counts


def summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {n}" for name, n in counts.items())
