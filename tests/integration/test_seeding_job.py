"""The seeding job, run by a real RQ worker: one new organization per run, a little activity elsewhere."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import JobStatus, Membership, Organization, TimeLog, User

SUMMARY = re.compile(r"created org (\d+) '(.+)' with (\d+) users, ([\d,]+) logs; (\d+) timers started, (\d+) stopped")


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def users_with_two_running_timers(db) -> list[int]:
    return list(db.session.scalars(
        select(TimeLog.user_id).where(TimeLog.end_time.is_(None)).group_by(TimeLog.user_id)
        .having(func.count() > 1)))


def run_seeding_job(db, run_jobs, seed=None) -> JobStatus:
    from app.background.enqueue import enqueue

    status_id = enqueue("data_seeding", *([] if seed is None else [seed])).id
    run_jobs(["seeding"])
    return db.session.get(JobStatus, status_id)


def test_the_job_creates_one_organization_with_people_logs_and_running_timers(db, run_jobs, factory):
    world = factory.world()
    world_orgs = [world.org.id, world.other_org.id]  # the runner ends the session: keep ids, not records
    before = set(db.session.scalars(select(Organization.id)))
    status = run_seeding_job(db, run_jobs, seed=11)
    assert status.status == "completed", status.error_message
    assert status.progress == 100 and status.attempts == 1
    match = SUMMARY.fullmatch(status.result_summary)
    assert match, status.result_summary
    new = set(db.session.scalars(select(Organization.id))) - before
    assert new == {int(match[1])}
    org = db.session.get(Organization, int(match[1]))
    assert org.name == match[2] and org.teams
    assert status.organization_id == org.id  # its owners see the run that created it on /jobs
    assert count(db, Membership, Membership.organization_id == org.id) == int(match[3]) >= 5
    assert count(db, TimeLog, TimeLog.organization_id == org.id) == int(match[4].replace(",", "")) > 0
    assert count(db, TimeLog, TimeLog.organization_id == org.id, TimeLog.end_time.is_(None)) >= 1
    assert users_with_two_running_timers(db) == []
    # the little activity happened in the factory's organizations, through the timer service
    started, stopped = int(match[5]), int(match[6])
    assert started >= 1
    assert count(db, TimeLog, TimeLog.organization_id.in_(world_orgs), TimeLog.end_time.is_(None)) == started
    assert stopped == 0  # the factory's world had no running timer to stop


def test_the_activity_stops_running_timers_and_keeps_one_per_person(db, run_jobs, factory):
    world = factory.world()
    for person, project in [(world.member, world.alpha_project), (world.beta_member, world.beta_project),
                            (world.outsider, world.other_project)]:
        factory.time_log(person, project, minutes=None)
    stopped_total = started_total = 0
    for seed in (1, 2, 3):
        running_before = count(db, TimeLog, TimeLog.end_time.is_(None))
        status = run_seeding_job(db, run_jobs, seed=seed)
        assert status.status == "completed", status.error_message
        match = SUMMARY.fullmatch(status.result_summary)
        started, stopped = int(match[5]), int(match[6])
        new_org_running = count(db, TimeLog, TimeLog.organization_id == int(match[1]), TimeLog.end_time.is_(None))
        assert count(db, TimeLog, TimeLog.end_time.is_(None)) == running_before + new_org_running + started - stopped
        assert users_with_two_running_timers(db) == []
        started_total += started
        stopped_total += stopped
    assert stopped_total >= 1 and started_total >= 1


def test_running_the_job_twice_creates_two_organizations_with_distinct_people(db, run_jobs):
    first = run_seeding_job(db, run_jobs, seed=4)
    assert first.status == "completed", first.error_message
    second = run_seeding_job(db, run_jobs, seed=4)  # even the same seed: new addresses, no unique-constraint failure
    assert second.status == "completed", second.error_message
    assert count(db, Organization) == 2
    emails = db.session.scalars(select(User.email)).all()
    assert len(emails) == len(set(emails))


def test_a_crash_midway_leaves_nothing_behind_and_the_retry_succeeds(db, monkeypatch):
    """The organization is one transaction: a failure while writing its logs rolls back its people too."""
    from app import seeding
    from app.seeding import bulk

    real = bulk.insert_time_logs

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed while writing time logs")

    monkeypatch.setattr(bulk, "insert_time_logs", crash)
    with pytest.raises(RuntimeError):
        seeding.seed_one_organization(seed=9)
    assert (count(db, Organization), count(db, User), count(db, TimeLog)) == (0, 0, 0)
    monkeypatch.setattr(bulk, "insert_time_logs", real)
    org = seeding.seed_one_organization(seed=9)
    assert count(db, Organization) == 1 and count(db, TimeLog) == org.logs > 0
