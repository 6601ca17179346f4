"""Seeded data: bulk organizations for `flask seed`, one organization per run of the seeding job, the
demo organization, and "a little activity" (timers started and stopped) in existing organizations.

    seed(orgs, users_per_org, days, seed=None, progress=None)   # flask seed
    seed_one_organization(seed=None)                            # jobs/seeding.py
    simulate_activity(rng, exclude=[org_id])                    # jobs/seeding.py
    create_demo()                                               # flask seed --demo
"""
from __future__ import annotations

from app.seeding.activity import ActivityResult, simulate_activity
from app.seeding.demo import DemoResult, create_demo
from app.seeding.organizations import (
    OrgResult,
    RunContext,
    SeedResult,
    create_organization,
    seed,
    seed_one_organization,
)

__all__ = [
    "ActivityResult", "DemoResult", "OrgResult", "RunContext", "SeedResult", "create_demo", "create_organization",
    "seed", "seed_one_organization", "simulate_activity",
]
