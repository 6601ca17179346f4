"""The function a stock `rqscheduler` runs for a stored recurring entry (rq-scheduler stores it by this
path). TimeboardScheduler calls app.background.recurring.run_entry itself instead."""
from __future__ import annotations

from app.background import recurring


def run_entry(name: str) -> str:
    status = recurring.run_entry(name)
    return f"{name}: job {status.rq_job_id} is {status.status}"
