"""bench/_bare_sql.py, the baseline of bench/run.py's computation rows, returns the figures the dashboards show:
if a dashboard's queries change and the hand-written SQL does not follow, this fails instead of the benchmark
comparing against other figures."""
from __future__ import annotations

from datetime import datetime

import pytest

from app.dashboards import registry
from app.live.topics import SYSTEM_DASHBOARD, DashboardKey
from app.seeding import seed
from bench._bare_sql import bare_figures

USER, TEAM, ORG, SYSTEM = 0, 1, 2, 3


@pytest.fixture()
def seeded(db):
    """Two seeded organizations (running timers included); the first one's owner and a team of it."""
    from app.models import Membership, Team

    org_id = seed(orgs=2, users_per_org=8, days=10, seed=7).organizations[0].id
    owner_id = db.session.scalar(db.select(Membership.user_id).where(
        Membership.organization_id == org_id, Membership.role == "owner"))
    team_id = db.session.scalar(db.select(Team.id).where(Team.organization_id == org_id).order_by(Team.id))
    return org_id, owner_id, team_id


def figures(key: DashboardKey, org_id: int):
    ctx = registry.context(key)
    app_figures = {s.name: s.compute(ctx) for s in registry.sections(key.kind) if s.name != "system_jobs"}
    return ctx.periods, app_figures, bare_figures(key.kind, key.id, org_id, ctx.periods)


def started(row) -> datetime:
    """A running timer's start (the 8th column of the running query): a string on SQLite, raw SQL has no types."""
    value = row[7]
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def elapsed(row, periods) -> float:
    return (periods.now - started(row)).total_seconds() / 60


def running_minutes(rows, periods, since) -> float:
    """What the dashboards add for running timers started since `since`."""
    return sum(elapsed(r, periods) for r in rows if started(r) >= since)


def test_user_dashboard(seeded):
    org_id, owner_id, _ = seeded
    p, app, bare = figures(DashboardKey("user", owner_id), org_id)
    today, week, month, billable = bare[0][0]
    running = bare[1]
    assert app["user_summary"]["week"] == pytest.approx(week + running_minutes(running, p, p.week))
    assert app["user_summary"]["month"] == pytest.approx(month + running_minutes(running, p, p.month))


def test_team_dashboard(seeded):
    org_id, _, team_id = seeded
    p, app, bare = figures(DashboardKey("team", team_id), org_id)
    running_by_project: dict[int, float] = {}
    for r in bare[5]:
        running_by_project[r[3]] = running_by_project.get(r[3], 0) + elapsed(r, p)
    used = {r[1]: r[4] + running_by_project.get(r[0], 0) for r in bare[4]}
    assert {i["name"]: pytest.approx(i["used"]) for i in app["team_projects"]["items"]} == used
    assert app["team_summary"]["members"] == bare[2][0][0]


def test_organization_dashboard(seeded):
    org_id, _, _ = seeded
    p, app, bare = figures(DashboardKey("org", org_id), org_id)
    summary = app["org_summary"]
    assert (summary["projects"], summary["active_projects"]) == tuple(bare[0][0])
    assert summary["running"] == len(bare[2])
    assert summary["week"] == pytest.approx(bare[1][0][1] + running_minutes(bare[2], p, p.week))


def test_system_dashboard(seeded):
    org_id, _, _ = seeded
    _, app, bare = figures(SYSTEM_DASHBOARD, org_id)
    counts = app["system_summary"]["counts"]
    for i, name in enumerate(["organizations", "users", "projects"]):
        assert (counts[name]["total"], counts[name]["new"]) == tuple(bare[i][0])
    assert (counts["time_logs"]["total"], counts["time_logs"]["new"]) == (bare[3][0][0], bare[4][0][0])
    assert app["system_summary"]["running"] == bare[5][0][0]
