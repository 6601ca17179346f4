"""The catalogue of the job system: queue names, and every job kind (the function it runs, its queue,
timeout and retry policy). Adding a kind is one line; queue names live here and nowhere else.

A kind names its function by dotted path ("jobs.dashboard.recompute_dashboard"): the functions RQ runs
live in the top-level jobs/ package, which calls into the app, never the other way round.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# -- queues, in the priority order the main worker serves them ----------------------------------------
DASHBOARD = "dashboard"
DEFAULT = "default"
REPORTS = "reports"
NOTIFICATIONS = "notifications"
SEEDING = "seeding"
MAINTENANCE = "maintenance"

# The `worker` process serves these, highest priority first; `seeding_worker` serves SEEDING alone,
# so a seeding run never delays a dashboard.
MAIN_WORKER_QUEUES = [DASHBOARD, DEFAULT, REPORTS, NOTIFICATIONS, MAINTENANCE]
QUEUES = [DASHBOARD, DEFAULT, REPORTS, NOTIFICATIONS, SEEDING, MAINTENANCE]

PERFORM = "jobs.runner.perform"  # what RQ runs for every kind: perform(kind, *args) tracks the job around it


# -- kinds -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobKind:
    name: str
    func: str  # dotted path, imported by the runner in the worker
    queue: str
    timeout: int = 300  # seconds
    retries: int = 2
    retry_intervals: list[int] = field(default_factory=lambda: [5, 30])  # backoff between attempts
    label: str = ""


KINDS: dict[str, JobKind] = {k.name: k for k in [
    JobKind("dashboard_data", "jobs.dashboard.recompute_dashboard", DASHBOARD, timeout=120, retries=1,
            retry_intervals=[2], label="Dashboard data"),
    JobKind("cache_warming", "jobs.dashboard.warm_caches", MAINTENANCE, timeout=600, retries=0,
            label="Cache warming"),
    JobKind("data_seeding", "jobs.seeding.seed_organization", SEEDING, timeout=900, retries=1,
            label="Data seeding"),
    JobKind("cleanup", "jobs.maintenance.cleanup", MAINTENANCE, timeout=600, retries=2,
            label="Cleanup"),
    JobKind("performance_snapshot", "jobs.maintenance.performance_snapshot", MAINTENANCE, timeout=60,
            retries=0, label="Performance snapshot"),
    JobKind("reconcile_jobs", "jobs.maintenance.reconcile_jobs", MAINTENANCE, timeout=60, retries=0,
            label="Reconcile job statuses"),
    JobKind("report_generation", "jobs.reports.generate_report", REPORTS, timeout=3600, retries=0,
            label="Report generation"),  # a failed report has its own Retry button
    JobKind("report_archival", "jobs.reports.archive_reports", MAINTENANCE, timeout=1800, retries=1,
            label="Report archival"),
    JobKind("echo", "jobs.diagnostics.echo", DEFAULT, timeout=60, retries=0,
            label="Diagnostic echo"),
    JobKind("sleep", "jobs.diagnostics.sleep", DEFAULT, timeout=120, retries=1, retry_intervals=[1],
            label="Diagnostic sleep"),
    JobKind("fail", "jobs.diagnostics.fail", DEFAULT, timeout=60, retries=2, retry_intervals=[1, 1],
            label="Diagnostic failure"),
]}


class UnknownJobKind(KeyError):
    def __str__(self) -> str:
        return f"unknown job kind {self.args[0]!r}; known: {', '.join(sorted(KINDS))}"


def get_kind(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownJobKind(name) from None
