"""Bulk actions on jobs from the job monitor (app/background/bulk.py), with progress."""
from __future__ import annotations

from app.background import bulk
from app.background.tracking import report_progress


def bulk_action(action: str, filter_args: dict, actor_id: int) -> str:
    return bulk.run(action, filter_args, actor_id, progress=report_progress)
