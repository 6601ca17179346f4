"""Bulk actions on jobs from the job monitor (app/job_monitor/bulk_actions.py), with progress."""
from __future__ import annotations

from app.background.tracking import report_progress
from app.job_monitor import bulk_actions as bulk


def bulk_action(action: str, filter_args: dict, actor_id: int) -> str:
    return bulk.run(action, filter_args, actor_id, progress=report_progress)
