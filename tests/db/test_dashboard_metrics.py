"""Dashboard figures equal hand-computed ones on a small fixture, and their query count stays flat.

The fixture is pinned to Wednesday 4 March 2026, 15:00 UTC. The member lives in New York (UTC-5
then), so some logs fall on a different day, week or month for them than in UTC, which the team
and organization dashboards use. A log counts in the window its start falls in.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from app.dashboards import registry
from app.dashboards.periods import periods
from app.live.topics import DashboardKey
from app.models import Role

NOW = datetime(2026, 3, 4, 15, 0)  # naive UTC; 10:00 in New York


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute)


@pytest.fixture()
def small(factory):
    """Logs (UTC) of the member (New York): L1 alpha Mar 4 04:30 60m billable (Mar 3 23:30 local);
    L2 internal Mar 4 06:00 30m non-billable; L3 alpha Mar 2 04:00 45m (Sunday 23:00 local);
    L4 internal Mar 1 03:00 20m (28 Feb local); a running alpha timer since 14:00 (60 min at NOW).
    The manager: M1 alpha Mar 3 10:00 15m. A Beta member: B1 Mar 4 08:00 40m. An outsider: 100m."""
    from types import SimpleNamespace

    org = factory.organization(name="Acme")
    alpha, beta = factory.team(org, name="Alpha"), factory.team(org, name="Beta")
    globex = factory.client(org, name="Globex")
    s = SimpleNamespace(org=org, alpha=alpha, beta=beta)
    s.member = factory.user(org, Role.MEMBER, teams=[alpha], time_zone="America/New_York")
    s.manager = factory.user(org, Role.MANAGER, teams=[alpha])
    s.beta_member = factory.user(org, Role.MEMBER, teams=[beta])
    s.alpha_project = factory.project(org, team=alpha, client=globex, name="Alpha site", budget_hours=Decimal("10"))
    s.beta_project = factory.project(org, team=beta, name="Beta app")
    s.internal = factory.project(org, name="Internal")
    factory.project(org, name="Old", status="archived")
    other = factory.organization(name="Other")
    outsider = factory.user(other, Role.OWNER)
    factory.time_log(s.member, s.alpha_project, start=at(4, 4, 30), minutes=60, billable=True)
    factory.time_log(s.member, s.internal, start=at(4, 6), minutes=30, billable=False)
    factory.time_log(s.member, s.alpha_project, start=at(2, 4), minutes=45, billable=True)
    factory.time_log(s.member, s.internal, start=at(1, 3), minutes=20, billable=True)
    factory.time_log(s.member, s.alpha_project, start=at(4, 14), minutes=None, billable=True)
    factory.time_log(s.manager, s.alpha_project, start=at(3, 10), minutes=15, billable=True)
    factory.time_log(s.beta_member, s.beta_project, start=at(4, 8), minutes=40, billable=True)
    factory.time_log(outsider, factory.project(other, name="Theirs"), start=at(4, 8), minutes=100)
    return s


def compute(key: str, now: datetime = NOW) -> dict:
    dashboard = DashboardKey.parse(key)
    ctx = registry.context(dashboard, now=now)
    return {s.name: s.compute(ctx) for s in registry.sections(dashboard.kind)}


def bars(chart: dict) -> list[tuple[str, str]]:
    return [(row["full_label"], row["value"]) for row in chart["rows"]]


def test_periods_use_local_midnights_and_monday_weeks():
    p = periods(registry.User(time_zone="America/New_York").zone, NOW)
    assert p.today == datetime(2026, 3, 4, 5)  # midnight in New York is 05:00 UTC
    assert p.week == datetime(2026, 3, 2, 5)  # Monday
    assert p.month == datetime(2026, 3, 1, 5)
    assert len(p.day_starts) == 14 and p.day_labels[-1] == "04 Mar"


def test_periods_follow_daylight_saving_changes():
    """8 March 2026 New York moves to UTC-4: that local midnight is 04:00 UTC, the one before 05:00."""
    p = periods(registry.User(time_zone="America/New_York").zone, datetime(2026, 3, 9, 12))
    assert p.today == datetime(2026, 3, 9, 4)
    assert p.day_starts[-2] == datetime(2026, 3, 8, 5)


def test_user_dashboard_counts_in_the_users_time_zone(small):
    data = compute(f"dashboard:user:{small.member.id}")
    summary = data["user_summary"]
    assert (summary["today"], summary["week"], summary["month"]) == (90, 150, 195)
    assert summary["billable_share"] == 85  # 165 of 195 minutes
    assert summary["timer"]["project"] == "Alpha site" and summary["timer"]["minutes"] == 60
    assert summary["timer"]["since"] == "09:00"  # local time
    daily = [col["value"] for col in data["user_daily"]["chart"]["cols"]]
    assert daily[-5:] == ["0h 20m", "0h 45m", "0h 00m", "1h 00m", "1h 30m"]  # 28 Feb .. 4 Mar, local days
    assert bars(data["user_projects"]["chart"]) == [("Alpha site", "2h 00m"), ("Internal", "0h 30m")]
    activity = data["activity"]["items"]
    assert activity[0]["running"] and activity[0]["when"] == "04 Mar 09:00"
    assert len(activity) == 5


def test_team_dashboard_counts_members_in_utc(small):
    data = compute(f"dashboard:team:{small.alpha.id}")
    summary = data["team_summary"]
    assert (summary["today"], summary["week"], summary["members"]) == (150, 210, 2)
    assert [t["user"] for t in summary["tracking"]] == [small.member.name]
    assert bars(data["team_members"]["chart"]) == [(small.member.name, "3h 15m"), (small.manager.name, "0h 15m")]
    (project,) = data["team_projects"]["items"]
    assert (project["name"], project["used"], project["budget"], project["percent"]) == ("Alpha site", 180, 600, 30)
    assert project["color"] == small.alpha_project.color  # its dot in the list
    assert {item["user"] for item in data["activity"]["items"]} == {small.member.name, small.manager.name}


def test_org_dashboard_totals_breakdowns_and_billable_split(small):
    data = compute(f"dashboard:org:{small.org.id}")
    summary = data["org_summary"]
    assert (summary["projects"], summary["active_projects"], summary["running"]) == (4, 3, 1)
    assert (summary["today"], summary["week"]) == (190, 250)
    assert (summary["billable"], summary["non_billable"], summary["billable_share"]) == (220, 30, 88)
    assert bars(data["org_by_team"]["chart"]) == [("Alpha", "3h 00m"), ("Beta", "0h 40m"), ("No team", "0h 30m")]
    assert bars(data["org_by_client"]["chart"]) == [("Globex", "3h 00m"), ("No client", "1h 10m")]
    assert bars(data["org_top_projects"]["chart"]) == [
        ("Alpha site", "3h 00m"), ("Internal", "0h 50m"), ("Beta app", "0h 40m")]
    assert "Theirs" not in str(data)  # the other organization's log


def test_system_dashboard_counts_everything(small, redis_conn):
    data = compute("dashboard:system", now=None)
    counts = data["system_summary"]["counts"]
    assert {k: v["total"] for k, v in counts.items()} == {"organizations": 2, "users": 4, "projects": 5,
                                                          "time_logs": 8}
    assert counts["time_logs"]["new"] == 8  # all created just now
    assert data["system_summary"]["running"] == 1
    assert sum(col["short"] == "8" for col in data["system_growth"]["logs"]["cols"]) == 1
    assert [q["name"] for q in data["system_jobs"]["queues"]][0] == "dashboard"
    assert data["system_jobs"]["workers"] == 0


def test_a_dashboard_of_a_deleted_team_is_reported_gone(small, db):
    key = DashboardKey("team", small.alpha.id + 1000)
    with pytest.raises(registry.SubjectGone):
        registry.context(key)


@pytest.mark.parametrize("key_of", [
    lambda s: f"dashboard:user:{s.member.id}", lambda s: f"dashboard:team:{s.alpha.id}",
    lambda s: f"dashboard:org:{s.org.id}", lambda s: "dashboard:system",
], ids=["user", "team", "org", "system"])
def test_query_count_does_not_grow_with_the_number_of_logs(small, factory, db, key_of):
    key = key_of(small)

    def statements() -> int:
        db.session.expire_all()  # the same starting point each time: nothing already loaded
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            compute(key)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements()
    for i in range(60):  # more logs, for every person and project, spread over the fortnight
        user, project = [(small.member, small.internal), (small.manager, small.alpha_project),
                         (small.beta_member, small.beta_project)][i % 3]
        factory.time_log(user, project, start=NOW - timedelta(hours=5 * i + 20), minutes=10 + i)
    assert statements() == few
    assert few <= 12
