"""Maintenance jobs (queue `maintenance`), each a thin call into app.maintenance or, for
reconciliation, app.background.reconcile."""
from __future__ import annotations

from app import maintenance
from app.background.reconcile import reconcile
from app.maintenance.cleanup import summary


def cleanup() -> str:
    return summary(maintenance.run_cleanup())


def performance_snapshot(interval_seconds: int = 60) -> str:
    snapshot = maintenance.take_snapshot(interval_seconds)
    data = snapshot.data
    jobs = sum(k["count"] for k in data["kinds"].values())
    return f"snapshot {snapshot.id}: {jobs} jobs, {data['workers']} workers"


def rebuild_rollups() -> str:
    return f"project totals rebuilt; {maintenance.rebuild_rollups()} had drifted"


def reconcile_jobs() -> str:
    return reconcile()
