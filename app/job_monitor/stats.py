"""Figures for operators on /jobs, from the JobStatus records: per queue over the last hour and day, per
recurring entry (last run and outcome, average duration), per organization over the last day (which tenant
costs what). Portable SQL aggregates only."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import JobState, JobStatus, Organization, utcnow
from app.models.job_status import ready_from

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


WAIT_SAMPLE = 5000  # most recent finished jobs per window whose wait (enqueued -> started) is averaged


@dataclass
class Window:
    finished: int = 0
    failed: int = 0
    avg_ms: float | None = None
    max_ms: int | None = None
    waits: list[float] = field(default_factory=list, repr=False)

    @property
    def avg_wait_s(self) -> float | None:
        """Latency: the average time from enqueue to start (a delayed or retried job counts its delay too)."""
        return sum(self.waits) / len(self.waits) if self.waits else None


def queue_windows(now: datetime | None = None) -> dict[str, dict[str, Window]]:
    """queue -> {"hour": Window, "day": Window}: jobs finished and failed, average and longest run time."""
    now = now or utcnow()
    figures: dict[str, dict[str, Window]] = {}
    for label, span in WINDOWS.items():
        rows = db.session.execute(
            select(JobStatus.queue, func.count(), func.sum(case((JobStatus.status == JobState.FAILED, 1), else_=0)),
                   func.avg(JobStatus.duration_ms), func.max(JobStatus.duration_ms))
            .where(JobStatus.finished_at >= now - span,
                   JobStatus.status.in_([JobState.COMPLETED, JobState.FAILED]))
            .group_by(JobStatus.queue)
        ).all()
        for queue, finished, failed, avg_ms, max_ms in rows:
            figures.setdefault(queue, {})[label] = Window(finished, int(failed or 0),
                                                          float(avg_ms) if avg_ms is not None else None, max_ms)
        waits = db.session.execute(  # date arithmetic differs per database: done here, on a bounded sample
            select(JobStatus.queue, JobStatus.enqueued_at, JobStatus.run_at, JobStatus.started_at)
            .where(JobStatus.finished_at >= now - span, JobStatus.started_at.is_not(None))
            .order_by(JobStatus.finished_at.desc()).limit(WAIT_SAMPLE)
        ).all()
        for queue, enqueued_at, run_at, started_at in waits:
            if queue in figures and label in figures[queue]:
                wait = (started_at - ready_from(enqueued_at, run_at)).total_seconds()
                figures[queue][label].waits.append(max(0.0, wait))
    return figures


@dataclass
class EntryRuns:
    last_enqueued: datetime | None = None
    last_finished: datetime | None = None
    last_outcome: str | None = None
    last_job_id: str | None = None
    avg_ms: float | None = None


def recurring_runs(keys: dict[str, str], sample: int = 20) -> dict[str, EntryRuns]:
    """name -> its runs' figures, for recurring entries whose runs carry the coalescing key keys[name]."""
    found = {}
    for name, key in keys.items():
        runs = EntryRuns()
        latest = db.session.execute(select(JobStatus.enqueued_at, JobStatus.rq_job_id).where(
            JobStatus.coalesce_key == key).order_by(JobStatus.enqueued_at.desc()).limit(1)).first()
        if latest:
            runs.last_enqueued, runs.last_job_id = latest
        finished = db.session.execute(select(JobStatus.finished_at, JobStatus.status).where(
            JobStatus.coalesce_key == key, JobStatus.finished_at.is_not(None))
            .order_by(JobStatus.finished_at.desc()).limit(1)).first()
        if finished:
            runs.last_finished, runs.last_outcome = finished
        recent = select(JobStatus.duration_ms).where(
            JobStatus.coalesce_key == key, JobStatus.status == JobState.COMPLETED,
            JobStatus.duration_ms.is_not(None)).order_by(JobStatus.finished_at.desc()).limit(sample).subquery()
        avg = db.session.scalar(select(func.avg(recent.c.duration_ms)))
        runs.avg_ms = float(avg) if avg is not None else None
        found[name] = runs
    return found


@dataclass
class OrganizationCost:
    organization_id: int
    name: str
    jobs: int
    failed: int
    job_seconds: float


def organization_costs(organization_ids: list[int] | None, now: datetime | None = None,
                       span: timedelta = WINDOWS["day"]) -> list[OrganizationCost]:
    """Job time and failures per organization over the last day, costliest first (None: every organization)."""
    now = now or utcnow()
    query = (select(JobStatus.organization_id, Organization.name, func.count(),
                    func.sum(case((JobStatus.status == JobState.FAILED, 1), else_=0)),
                    func.coalesce(func.sum(JobStatus.duration_ms), 0))
             .join(Organization, Organization.id == JobStatus.organization_id)
             .where(JobStatus.finished_at >= now - span)
             .group_by(JobStatus.organization_id, Organization.name))
    if organization_ids is not None:
        query = query.where(JobStatus.organization_id.in_(organization_ids))
    rows = [OrganizationCost(org_id, name, jobs, int(failed or 0), float(ms or 0) / 1000)
            for org_id, name, jobs, failed, ms in db.session.execute(query)]
    return sorted(rows, key=lambda c: (-c.job_seconds, c.organization_id))
