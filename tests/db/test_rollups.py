"""project_totals, kept by the database's triggers, always equals the sums of the logs themselves: after inserts,
edits, moves, deletes, running timers stopping, cascades, bulk seeding runs and a rebuild; and random edits."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from app.maintenance import rollups
from app.models import Project, ProjectTotal, Role, TimeLog, utcnow
from app.seeding import seed


def assert_in_step(db) -> None:
    db.session.commit()
    assert rollups.kept() == rollups.from_logs()
    assert rollups.drift() == 0


def test_each_kind_of_write_keeps_the_totals(db, factory):
    w = factory.world()
    fresh, other = factory.project(w.org), factory.project(w.org)
    first = factory.time_log(w.member, fresh, minutes=30)
    factory.time_log(w.admin, fresh, minutes=45)
    running = factory.time_log(w.owner, other, minutes=None)  # a running timer counts as a log, 0 min
    assert db.session.get(ProjectTotal, fresh.id).minutes == 75
    assert (db.session.get(ProjectTotal, other.id).logs, db.session.get(ProjectTotal, other.id).minutes) == (1, 0)
    assert_in_step(db)

    first.set_times(first.start_time, first.start_time + timedelta(minutes=50))  # an edit
    assert_in_step(db)
    first.project_id = w.alpha_project.id  # moved to another project
    assert_in_step(db)
    running.stop(running.start_time + timedelta(minutes=20))  # a timer stops
    assert_in_step(db)
    assert db.session.get(ProjectTotal, other.id).minutes == 20
    db.session.delete(first)  # a delete through the ORM
    assert_in_step(db)
    db.session.execute(delete(TimeLog).where(TimeLog.user_id == w.admin.id))  # a bulk delete
    assert_in_step(db)
    db.session.execute(update(TimeLog).values(description="bulk edit, no duration change"))
    assert_in_step(db)
    db.session.delete(db.session.get(Project, other.id))  # the project's logs and total cascade away
    assert_in_step(db)
    assert db.session.get(ProjectTotal, other.id) is None


def test_bulk_seeding_runs_keep_the_totals_and_a_rebuild_repairs_drift(db, factory):
    seed(orgs=1, users_per_org=6, days=20, seed=7)
    seed(orgs=1, users_per_org=4, days=10, seed=8)
    assert sum(logs for logs, _ in rollups.kept().values()) > 100
    assert_in_step(db)

    some = next(iter(rollups.kept()))
    db.session.execute(update(ProjectTotal).where(ProjectTotal.project_id == some).values(minutes=123456789))
    db.session.commit()
    assert rollups.drift() == 1
    assert rollups.rebuild() == 1  # it says how many had drifted, and mends them
    assert_in_step(db)


@pytest.mark.parametrize("rng_seed", [1, 2, 3])
def test_random_edits_never_let_the_totals_drift(db, factory, rng_seed):
    rng = random.Random(rng_seed)
    org = factory.organization()
    users = [factory.user(org, Role.MEMBER) for _ in range(4)]
    projects = [factory.project(org) for _ in range(3)]
    logs: list[TimeLog] = []
    base = utcnow() - timedelta(days=30)
    for _ in range(120):
        action = rng.choice(["add", "add", "add", "edit", "move", "delete", "stop", "start"])
        if action == "add" or not logs:
            start = base + timedelta(minutes=rng.randrange(0, 40_000))
            logs.append(factory.time_log(rng.choice(users), rng.choice(projects), start=start,
                                         minutes=rng.randrange(1, 600)))
        elif action == "edit":
            log = rng.choice(logs)
            if not log.is_running:
                log.set_times(log.start_time, log.start_time + timedelta(minutes=rng.randrange(1, 900)))
        elif action == "move":
            rng.choice(logs).project_id = rng.choice(projects).id
        elif action == "delete":
            db.session.delete(logs.pop(rng.randrange(len(logs))))
        elif action == "stop":
            for log in logs:
                if log.is_running:
                    log.stop(log.start_time + timedelta(minutes=rng.randrange(1, 300)))
                    break
        elif action == "start":
            idle = [u for u in users if not any(log.is_running and log.user_id == u.id for log in logs)]
            if idle:
                logs.append(factory.time_log(rng.choice(idle), rng.choice(projects), minutes=None))
        db.session.commit()
        if rng.random() < 0.2:
            assert_in_step(db)
    assert_in_step(db)
    rollups.rebuild()
    assert_in_step(db)
