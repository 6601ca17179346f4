"""Check and rebuild the rollups the database keeps on write (app/models/project_total.py).

The triggers keep project_totals exact; the weekly rebuild is the safety net for what triggers cannot see
(rows loaded with triggers off, a restore of one table) and reports how far the totals had drifted.
"""
from __future__ import annotations

from sqlalchemy import delete, func, insert, select

from app.extensions import db
from app.models import ProjectTotal, TimeLog


def from_logs() -> dict[int, tuple[int, int]]:
    """{project_id: (logs, finished minutes)} summed from the time logs themselves (a full scan)."""
    rows = db.session.execute(
        select(TimeLog.project_id, func.count(), func.coalesce(func.sum(TimeLog.duration_minutes), 0))
        .group_by(TimeLog.project_id)).all()
    return {pid: (int(logs), int(minutes)) for pid, logs, minutes in rows}


def kept() -> dict[int, tuple[int, int]]:
    """{project_id: (logs, minutes)} as project_totals holds them (projects with no logs left out)."""
    rows = db.session.execute(select(ProjectTotal.project_id, ProjectTotal.logs, ProjectTotal.minutes)).all()
    return {pid: (int(logs), int(minutes)) for pid, logs, minutes in rows if logs or minutes}


def drift() -> int:
    """How many projects' totals differ from their logs."""
    truth, held = from_logs(), kept()
    return sum(1 for pid in truth.keys() | held.keys() if truth.get(pid, (0, 0)) != held.get(pid, (0, 0)))


def rebuild() -> int:
    """Recompute project_totals from the logs in one transaction; returns how many projects had drifted."""
    drifted = drift()
    db.session.execute(delete(ProjectTotal))
    db.session.execute(insert(ProjectTotal).from_select(
        ["project_id", "organization_id", "logs", "minutes"],
        select(TimeLog.project_id, func.min(TimeLog.organization_id), func.count(),
               func.coalesce(func.sum(TimeLog.duration_minutes), 0)).group_by(TimeLog.project_id)))
    db.session.commit()
    return drifted
