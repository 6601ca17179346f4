"""One fan-out for time data (app/time_tracking/changes.py): every path that writes time logs (start, stop, add,
edit, delete, the seeding job, removing a member) reaches all of its effects through after_commit(): the header
timer of the user, the organization dashboard's activity item, the dashboards' invalidation, and the subscribers
of `time_changed` (notifications' budget checks, connected by create_app())."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.background.catalog import DASHBOARD_KINDS
from app.models import JobStatus, TimeLog, utcnow
from app.time_tracking import changes
from tests.integration.notify_helpers import Pushes


@pytest.fixture()
def pushes(redis_conn):
    listener = Pushes(redis_conn)
    yield listener
    listener.close()


@pytest.fixture()
def seen():
    """Every TimeChange sent on the signal during the test (a second receiver beside the budget checks)."""
    received: list[changes.TimeChange] = []

    def receiver(sender, change):
        received.append(change)

    changes.time_changed.connect(receiver)
    yield received
    changes.time_changed.disconnect(receiver)


@pytest.fixture()
def world(factory, db, watch):
    w = factory.world()
    w.alpha_project.budget_hours = Decimal("1")  # every finished change asks for a budget check
    db.session.commit()
    watch(f"user:{w.member.id}", f"dashboard:org:{w.org.id}", f"dashboard:user:{w.member.id}",
          f"dashboard:team:{w.alpha.id}", "dashboard:system")
    return w


def pending(db, kinds) -> set[str]:
    return set(db.session.scalars(select(JobStatus.coalesce_key).where(JobStatus.kind.in_(kinds),
                                                                       JobStatus.status == "pending")))


def assert_fanned_out(db, pushes, seen, w, activity_action: str | None, log_id: int | None = None,
                      budget: bool = True) -> None:
    """The header timer and the activity item were pushed, the member's dashboards queued for a recompute, the
    signal sent once, and (for a change to finished hours) the budget check queued by its subscriber."""
    activity = f"dashboard-org-{w.org.id}-activity-items" if activity_action == "prepend" else f"activity-log-{log_id}"
    messages = pushes.collect(f'target="{activity}"', timeout=3)
    header = [m for m in messages if 'target="header-timer"' in m["stream"]]
    assert header and all(m["topics"] == [f"user:{w.member.id}"] for m in header)
    if activity_action is not None:
        items = [m for m in messages if f'target="{activity}"' in m["stream"]]
        assert items and f'action="{activity_action}"' in items[-1]["stream"]
        assert items[-1]["topics"] == [f"dashboard:org:{w.org.id}"]
    assert {f"dashboard:user:{w.member.id}", f"dashboard:org:{w.org.id}", "dashboard:system"} <= pending(
        db, DASHBOARD_KINDS)
    assert len(seen) == 1
    assert (pending(db, ["budget_check"]) == {f"budget:{w.alpha_project.id}"}) is budget


def test_starting_a_timer_fans_out(db, factory, world, pushes, seen):
    from app.time_tracking.timers import start_timer

    running = factory.time_log(world.member, world.alpha_project, minutes=None)
    log = start_timer(world.member, world.alpha_project, "Homepage")
    assert_fanned_out(db, pushes, seen, world, "prepend", budget=True)  # the running one was stopped: finished hours
    assert [entry.id for entry in seen[0].logs] == [running.id, log.id]


def test_starting_a_first_timer_asks_no_budget_check(db, world, pushes, seen):
    from app.time_tracking.timers import start_timer

    assert world.member.running_timer is None
    start_timer(world.member, world.alpha_project)
    assert_fanned_out(db, pushes, seen, world, "prepend", budget=False)  # a running timer counts nowhere yet


def test_stopping_a_timer_fans_out(db, world, pushes, seen):
    from app.time_tracking.timers import start_timer, stop_timer

    log = start_timer(world.member, world.alpha_project)
    log.start_time -= timedelta(minutes=5)  # a timer under a minute is not kept (the next test)
    db.session.execute(JobStatus.__table__.delete())
    db.session.commit()
    pushes.messages.clear()
    seen.clear()
    stop_timer(world.member)
    assert_fanned_out(db, pushes, seen, world, "prepend")


def test_stopping_a_timer_under_a_minute_deletes_it_and_still_fans_out(db, world, pushes, seen):
    from app.time_tracking.timers import start_timer, stop_timer

    log = start_timer(world.member, world.alpha_project)
    log_id = log.id
    db.session.execute(JobStatus.__table__.delete())
    db.session.commit()
    pushes.messages.clear()
    seen.clear()
    stopped = stop_timer(world.member)
    assert stopped.kept is False and stopped.log.id == log_id
    db.session.expire_all()
    assert db.session.get(TimeLog, log_id) is None
    assert_fanned_out(db, pushes, seen, world, "remove", log_id=log_id)
    assert [entry.id for entry in seen[0].deleted] == [log_id] and not seen[0].logs


def test_switching_away_from_a_timer_under_a_minute_deletes_it(db, world, pushes, seen):
    from app.time_tracking.timers import start_timer, start_timer_after

    first = start_timer(world.member, world.alpha_project).id
    seen.clear()
    second, stopped = start_timer_after(world.member, world.org_project)
    assert stopped.kept is False and stopped.log.id == first
    db.session.expire_all()
    mine = db.session.scalars(select(TimeLog).where(TimeLog.user_id == world.member.id)).all()
    assert sorted((log.project_id, log.end_time is None) for log in mine) == sorted(
        [(world.alpha_project.id, False), (world.org_project.id, True)])  # the factory's entry, the new timer
    # two changes, the deletion first: SQLite may give the new timer the deleted one's id
    assert [entry.id for entry in seen[0].deleted] == [first] and not seen[0].logs
    assert [entry.id for entry in seen[1].logs] == [second.id] and not seen[1].before


def test_adding_an_entry_fans_out(db, world, pushes, seen):
    from app.time_tracking.entries import EntryData, create_entry

    start = utcnow() - timedelta(hours=3)
    create_entry(world.member, EntryData(world.alpha_project, start, start + timedelta(minutes=30), "Call", True))
    assert_fanned_out(db, pushes, seen, world, "prepend")


def test_editing_an_entry_fans_out_and_replaces_its_activity_line(db, world, pushes, seen):
    from app.time_tracking.entries import EntryData, update_entry

    log = world.member_log
    start = utcnow() - timedelta(hours=5)
    update_entry(world.member, log, EntryData(world.alpha_project, start, start + timedelta(hours=1), "Edited", True))
    assert_fanned_out(db, pushes, seen, world, "replace", log_id=log.id)
    assert [entry.id for entry in seen[0].before] == [log.id]


def test_deleting_an_entry_fans_out_and_removes_its_activity_line(db, world, pushes, seen):
    from app.time_tracking.entries import delete_entry

    log = db.session.get(TimeLog, world.member_log.id)
    assert log.end_time is not None
    log_id = log.id
    delete_entry(log)
    assert_fanned_out(db, pushes, seen, world, "remove", log_id=log_id)
    assert [entry.id for entry in seen[0].deleted] == [log_id]


def test_removing_a_member_with_a_running_timer_fans_out(db, factory, world, pushes, seen):
    from app.organizations.people import remove_member

    factory.time_log(world.member, world.alpha_project, minutes=None)
    remove_member(world.owner, world.org, world.member.membership_in(world.org.id))
    assert_fanned_out(db, pushes, seen, world, "prepend")


def test_the_seeding_job_fans_out_for_every_organization_it_touched(db, world, seen):
    from app.models import Organization
    from jobs.seeding import seed_organization

    before = set(db.session.scalars(select(Organization.id)))
    seed_organization(seed=7)
    (created,) = set(db.session.scalars(select(Organization.id))) - before
    timer_changes, (bulk,) = seen[:-1], seen[-1:]  # its timers went through the timer services, one change each
    assert all(change.logs and not change.organization_ids for change in timer_changes)
    touched = {entry.organization_id for change in timer_changes for entry in change.logs}
    assert set(bulk.organization_ids) == {created} | touched and not bulk.logs
    queued = pending(db, DASHBOARD_KINDS)  # the watched ones (nobody has the new organization's open yet)
    assert "dashboard:system" in queued
    assert (f"dashboard:org:{world.org.id}" in queued) is (world.org.id in bulk.organization_ids)


def test_budget_checks_are_a_subscriber_not_a_call_from_the_fan_out(app):
    """The fan-out does not import notifications; create_app() connected the budget checks to its signal."""
    from app.notifications import budgets

    source = changes.__file__
    assert "notifications" not in open(source).read().split('"""', 2)[2]
    assert budgets.on_time_changed in [ref() for ref in changes.time_changed.receivers.values()]
