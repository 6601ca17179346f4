"""Wait and run time percentiles per queue and kind (last hour and day), and the cumulative flow of jobs over the
last 24 hours, for /jobs/latency. Percentiles are worked out here on a bounded sample of the most recent jobs
(portable SQL: date arithmetic differs per database); the flow is one scan with a conditional count per point.

Wait is from when the job could run (enqueued, or a delayed job's due time) to when a worker started it."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import JobState, JobStatus, utcnow
from app.models.job_status import ready_from

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
SAMPLE = 20000  # most recent started jobs per window
FLOW_SPAN = timedelta(hours=24)
FLOW_POINTS = 48  # every 30 minutes


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of the values; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Figures:
    waits: list[float] = field(default_factory=list, repr=False)
    runs: list[float] = field(default_factory=list, repr=False)

    @property
    def count(self) -> int:
        return len(self.waits)

    def wait(self, p: float) -> float | None:
        return percentile(self.waits, p)

    def run(self, p: float) -> float | None:
        return percentile(self.runs, p)


def percentiles(now: datetime | None = None) -> dict[tuple[str, str], dict[str, Figures]]:
    """(queue, kind) -> {"hour": Figures, "day": Figures} of the jobs started in that window."""
    now = now or utcnow()
    found: dict[tuple[str, str], dict[str, Figures]] = {}
    for label, span in WINDOWS.items():
        rows = db.session.execute(
            select(JobStatus.queue, JobStatus.kind, JobStatus.enqueued_at, JobStatus.run_at, JobStatus.started_at,
                   JobStatus.duration_ms)
            .where(JobStatus.started_at >= now - span).order_by(JobStatus.started_at.desc()).limit(SAMPLE)
        ).all()
        for queue, kind, enqueued_at, run_at, started_at, duration_ms in rows:
            figures = found.setdefault((queue, kind), {}).setdefault(label, Figures())
            figures.waits.append(max(0.0, (started_at - ready_from(enqueued_at, run_at)).total_seconds()))
            if duration_ms is not None:
                figures.runs.append(duration_ms / 1000)
    return dict(sorted(found.items()))


@dataclass
class FlowPoint:
    at: datetime
    arrived: int
    started: int
    finished: int

    @property
    def queued(self) -> int:
        return self.arrived - self.started

    @property
    def running(self) -> int:
        return self.started - self.finished


def cumulative_flow(now: datetime | None = None, span: timedelta = FLOW_SPAN,
                    points: int = FLOW_POINTS) -> list[FlowPoint]:
    """For each point in time, how many of the jobs enqueued since the window began had arrived, started and
    finished (completed, failed or canceled) by then: the bands between are the queued, running and finished."""
    now = now or utcnow()
    start = now - span
    times = [start + span * (i + 1) / points for i in range(points)]
    columns = []
    for t in times:
        columns += [func.sum(case((JobStatus.enqueued_at <= t, 1), else_=0)),
                    func.sum(case((JobStatus.started_at <= t, 1), else_=0)),
                    func.sum(case((JobStatus.finished_at <= t, 1), else_=0))]
    row = db.session.execute(select(*columns).where(JobStatus.enqueued_at >= start)).one()
    values = [int(v or 0) for v in row]
    flow = []
    for i, t in enumerate(times):
        arrived, started, finished = values[3 * i:3 * i + 3]
        flow.append(FlowPoint(t, arrived, min(started, arrived), min(finished, started, arrived)))
    return flow


FINISHED = (JobState.COMPLETED, JobState.FAILED, JobState.CANCELED)


def flow_chart(flow: list[FlowPoint], width: int = 600, height: int = 160, pad: int = 22) -> dict:
    """Geometry of the cumulative flow chart (templates/job_monitor/_flow.html draws it): three stacked areas as
    SVG polygon points, finished at the bottom, running over it, queued on top."""
    peak = max((p.arrived for p in flow), default=0) or 1
    inner_w, inner_h = width - pad, height - 2 * pad

    def x(i: int) -> float:
        return round(pad + inner_w * i / max(1, len(flow) - 1), 1)

    def y(value: int) -> float:
        return round(height - pad - inner_h * value / peak, 1)

    def band(upper, lower) -> str:
        top = [f"{x(i)},{y(upper(p))}" for i, p in enumerate(flow)]
        bottom = [f"{x(i)},{y(lower(p))}" for i, p in reversed(list(enumerate(flow)))]
        return " ".join(top + bottom)

    last = flow[-1] if flow else FlowPoint(utcnow(), 0, 0, 0)
    return {
        "width": width, "height": height, "pad": pad, "peak": peak, "first": flow[0].at if flow else None,
        "last": last, "empty": last.arrived == 0,
        "bands": [
            {"name": "finished", "points": band(lambda p: p.finished, lambda p: 0), "value": last.finished},
            {"name": "running", "points": band(lambda p: p.started, lambda p: p.finished), "value": last.running},
            {"name": "queued", "points": band(lambda p: p.arrived, lambda p: p.started), "value": last.queued},
        ],
    }
