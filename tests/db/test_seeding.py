"""Seeding: the generators' rules, the bulk writer, and `flask seed` (deterministic, counted, guarded)."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, func, select
from werkzeug.security import check_password_hash

from app.models import Membership, Organization, Project, Role, Team, TeamMembership, TimeLog, User
from app.seeding.bulk import sqlite_datetime
from app.seeding.generator import build_org_plan, make_faker, seeded_password_hash
from app.seeding.worklogs import Calendar, LogProject, user_logs
from tests.conftest import _empty_database, login

DUMPED_TABLES = ["organizations", "teams", "clients", "users", "memberships", "team_memberships", "projects",
                 "time_logs"]
NOW = datetime(2026, 3, 4, 15, 30)  # a Wednesday


# -- generators -----------------------------------------------------------------------------------
def test_time_logs_fall_on_weekdays_in_working_hours_of_the_persons_time_zone():
    zone = "America/Los_Angeles"
    pool = [LogProject(1, True, True), LogProject(2, False, True)]
    rows = user_logs(random.Random(3), 7, 9, Calendar(NOW, 60).workdays(zone), pool, ["Code review"], NOW, False)
    assert len(rows) > 100
    previous_end = None
    for org_id, user_id, project_id, start, end, minutes, description, billable, created, updated in rows:
        local_start = start.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        local_end = end.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        assert local_start.weekday() < 5, local_start
        assert (7, 50) <= (local_start.hour, local_start.minute) and local_end.hour < 23, (local_start, local_end)
        assert end - start == timedelta(minutes=minutes) and end <= NOW
        assert previous_end is None or start >= previous_end  # one person never logs two things at once
        assert (org_id, user_id, created, updated) == (7, 9, end, end)
        assert billable == (project_id == 1) and description == "Code review"
        previous_end = end
    assert start >= NOW - timedelta(days=2)  # the history reaches up to now


def test_a_running_timer_is_the_last_log_started_before_now_on_an_active_project():
    pool = [LogProject(1, True, False)] * 5 + [LogProject(2, True, True)]
    for seed in range(30):
        rows = user_logs(random.Random(seed), 1, 1, Calendar(NOW, 10).workdays("Europe/Berlin"), pool, ["x"], NOW,
                         True)
        running = [row for row in rows if row[4] is None]
        assert len(running) == 1 and running[0] is rows[-1]
        assert running[0][2] == 2 and running[0][3] < NOW
        assert rows[-2][4] <= running[0][3]


def test_the_same_seed_plans_the_same_organization_and_another_seed_does_not():
    def plan(seed):
        return build_org_plan(random.Random(seed), make_faker(seed), 14, "1", NOW, 30)

    assert plan(1) == plan(1)
    assert plan(1) != plan(2)


def test_a_plan_has_one_owner_a_manager_per_team_and_unique_addresses():
    plan = build_org_plan(random.Random(5), make_faker(5), 30, "42", NOW, 30)
    roles = [u.role for u in plan.users]
    assert roles.count(Role.OWNER.value) == 1 and roles.count(Role.ADMIN.value) == 2
    managed = sorted(t for u in plan.users if u.role == Role.MANAGER.value for t in u.teams)
    assert managed == list(range(len(plan.teams)))
    emails = [u.email for u in plan.users]
    assert len(set(emails)) == 30 and all(e.endswith("-42.example.com") for e in emails)
    assert {p.status for p in plan.projects} <= {"active", "archived"}
    assert any(p.team is None for p in plan.projects) and any(p.client is not None for p in plan.projects)


def test_the_seeded_password_hash_is_a_werkzeug_hash_of_password_and_repeats_per_seed():
    digest = seeded_password_hash("password", random.Random(1))
    assert check_password_hash(digest, "password") and not check_password_hash(digest, "Password")
    assert digest == seeded_password_hash("password", random.Random(1))


def test_sqlite_datetimes_are_written_in_sqlalchemys_own_storage_format():
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    processor = DateTime().dialect_impl(dialect).bind_processor(dialect)
    for value in (datetime(2026, 1, 5, 9, 30), datetime(2026, 12, 31, 23, 59, 59, 123456), datetime(1999, 1, 1)):
        assert sqlite_datetime(value) == processor(value)
    assert sqlite_datetime(None) is None


# -- the service on a real database ---------------------------------------------------------------
def test_seed_makes_what_was_asked_and_reports_it(db):
    from app.seeding import seed

    result = seed(orgs=2, users_per_org=7, days=10, seed=3)
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 2
    assert db.session.scalar(select(func.count()).select_from(User)) == 14
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 14
    logs = db.session.scalar(select(func.count()).select_from(TimeLog))
    assert logs == result.total("logs") > 0
    running = db.session.scalar(select(func.count()).select_from(TimeLog).where(TimeLog.end_time.is_(None)))
    assert running == result.total("running")
    earliest = db.session.scalar(select(func.min(TimeLog.start_time)))
    assert earliest >= result.now - timedelta(days=11)
    assert db.session.scalar(select(func.max(TimeLog.end_time))) <= result.now
    # every log is on a project of the person's organization (the database checks it too)
    mismatched = select(func.count()).select_from(TimeLog).join(Project, Project.id == TimeLog.project_id).where(
        Project.organization_id != TimeLog.organization_id)
    assert db.session.scalar(mismatched) == 0


def test_seeding_twice_with_the_same_seed_on_one_database_never_reuses_an_address(db):
    from app.seeding import seed

    seed(orgs=1, users_per_org=5, days=3, seed=8)
    seed(orgs=1, users_per_org=5, days=3, seed=8)
    emails = db.session.scalars(select(User.email)).all()
    assert len(emails) == len(set(emails)) == 10


def test_max_logs_caps_the_number_of_time_logs(db):
    from app.seeding import seed

    result = seed(orgs=2, users_per_org=5, days=30, seed=2, max_logs=250)
    assert result.total("logs") == db.session.scalar(select(func.count()).select_from(TimeLog))
    assert 240 <= result.total("logs") <= 250  # running timers past the cap are dropped, not finished


# -- flask seed -----------------------------------------------------------------------------------
IMPLIED_REFERENCES = {"organization_id": "organizations", "user_id": "users", "project_id": "projects"}


def dump(db) -> dict[str, list[tuple]]:
    """Every row of the seeded tables, ids replaced by their rank so that a PostgreSQL sequence that
    kept counting after the tables were emptied does not count as a difference."""
    tables = [db.metadata.tables[name] for name in DUMPED_TABLES]
    rows = {t.name: db.session.execute(select(t).order_by(t.c.id)).mappings().all() for t in tables}
    rank = {name: {row["id"]: i for i, row in enumerate(table_rows)} for name, table_rows in rows.items()}
    out = {}
    for table in tables:
        refs = {c.name: fk.column.table.name for c in table.columns for fk in c.foreign_keys if fk.column.name == "id"}
        # time_logs reaches organizations and users through composite keys: rank those columns too
        refs.update({c: t for c, t in IMPLIED_REFERENCES.items() if c in table.c and c not in refs and t in rank})
        out[table.name] = [
            tuple(rank[table.name][v] if c == "id" else rank[refs[c]].get(v, v) if c in refs and v is not None
                  else v for c, v in row.items())
            for row in rows[table.name]]
    return out


def test_the_same_seed_twice_on_an_empty_database_gives_identical_data(app, db):
    runner = app.test_cli_runner()
    args = ["seed", "--seed", "1", "--orgs", "2", "--users-per-org", "6", "--days", "15"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    before = dump(db)
    db.session.remove()
    _empty_database(db)
    assert runner.invoke(args=args).exit_code == 0
    after = dump(db)
    assert len(before["time_logs"]) > 200 and len(before["users"]) == 12
    assert after == before
    db.session.remove()
    _empty_database(db)
    assert runner.invoke(args=["seed", "--seed", "2", "--orgs", "2", "--users-per-org", "6", "--days", "15"]
                         ).exit_code == 0
    assert dump(db) != before  # the comparison can tell two seeds apart


def test_flask_seed_counts_match_the_options_and_it_prints_its_speed(app, db):
    result = app.test_cli_runner().invoke(args=["seed", "--seed", "5", "--orgs", "3", "--users-per-org", "4",
                                                "--days", "7"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 3
    assert db.session.scalar(select(func.count()).select_from(User)) == 12
    assert db.session.scalar(select(func.count()).select_from(Team)) == 3
    owners = db.session.scalars(select(Membership.organization_id).where(Membership.role == "owner")).all()
    assert sorted(owners) == sorted(db.session.scalars(select(Organization.id)))
    logs = db.session.scalar(select(func.count()).select_from(TimeLog))
    assert f"{logs:,} time logs" in result.output and "rows/s" in result.output and "logs/s" in result.output


@pytest.mark.parametrize("args", [["--orgs", "-1"], ["--days", "0"], ["--users-per-org", "abc"],
                                  ["--seed", "x"], ["--max-logs", "-5"]])
def test_bad_options_fail_with_a_message_and_write_nothing(app, db, args):
    result = app.test_cli_runner().invoke(args=["seed", *args])
    assert result.exit_code == 2
    assert "Invalid value" in result.output
    for model in (Organization, User, TimeLog):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_demo_is_refused_outside_development(app, db):
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 2
    assert "APP_ENV=development" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.fixture()
def dev_app(db):
    """A development app on the test database (--demo runs only in development), its context pushed so
    that the CLI runs in it rather than in the test app's."""
    from app import create_app

    dev = create_app({"APP_ENV": "development", "WTF_CSRF_ENABLED": False})
    with dev.app_context():
        yield dev


def test_demo_accounts_exist_with_their_roles_and_can_sign_in(app, db, dev_app):
    result = dev_app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    users = {u.email: u for u in db.session.scalars(select(User))}
    assert users["admin@example.com"].is_system_admin and not users["admin@example.com"].memberships
    org = db.session.scalar(select(Organization).where(Organization.name == "Acme Consulting"))
    roles = {m.user.email: m.role for m in org.memberships}
    assert (roles["owner@example.com"], roles["manager@example.com"], roles["member@example.com"]) == (
        "owner", "manager", "member")
    delivery = db.session.scalar(select(Team).where(Team.organization_id == org.id, Team.name == "Delivery"))
    in_delivery = set(db.session.scalars(select(User.email).join(TeamMembership).where(
        TeamMembership.team_id == delivery.id)))
    assert {"manager@example.com", "member@example.com"} <= in_delivery
    member_logs = select(func.count()).select_from(TimeLog).where(TimeLog.user_id == users["member@example.com"].id)
    assert db.session.scalar(member_logs) > 20
    for email in ("admin@example.com", "owner@example.com", "manager@example.com", "member@example.com"):
        client = app.test_client()
        login(client, users[email])  # POST /login answers 303
        assert client.get("/time-logs").status_code == 200


def test_demo_twice_neither_duplicates_nor_fails(db, dev_app):
    runner = dev_app.test_cli_runner()
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Organization, User, TimeLog)]
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0 and "already exists" in second.output
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Organization, User, TimeLog)] == counts


def test_if_empty_seeds_an_empty_database_and_skips_one_with_users(db, dev_app, factory):
    runner = dev_app.test_cli_runner()
    assert runner.invoke(args=["seed", "--demo", "--if-empty"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1
    result = runner.invoke(args=["seed", "--if-empty", "--orgs", "2"])
    assert result.exit_code == 0 and "database already has data, skipping" in result.output
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1
