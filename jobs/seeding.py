"""The seeding job: one new organization per run, plus a little activity in existing ones."""
from __future__ import annotations

import random

from app import seeding
from app.background.tracking import report_organization, report_progress
from app.time_tracking import changes


def seed_organization(seed: int | None = None) -> str:
    """Create one organization (one transaction: a retry never trips on half of a failed attempt), then
    stop and start a few timers elsewhere, then tell the live dashboards of every organization touched."""
    report_progress(5, "Creating an organization")
    org = seeding.seed_one_organization(seed)
    report_organization(org.id)
    report_progress(60, f"Created {org.name}; simulating activity")
    activity = seeding.simulate_activity(random.Random(f"{seed}:activity" if seed is not None else None),
                                         exclude=[org.id])
    report_progress(90, "Updating dashboards")
    changes.after_commit(organization_ids={org.id, *activity.organization_ids})
    return (f"created org {org.id} {org.name!r} with {org.users} users, {org.logs:,} logs; "
            f"{activity.started} timers started, {activity.stopped} stopped")
