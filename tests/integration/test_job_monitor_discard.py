"""Undo a discard: discarded failed jobs leave the list and the failure clusters but keep their records (they still
count in the figures), and for 24 hours a restore (one job's button, or the audited bulk action) brings them back,
failed as they were and retryable."""
from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import g
from rq.registry import FailedJobRegistry

from app.job_monitor import stats
from app.job_monitor.queries import throughput
from app.models import AuditEntry, JobStatus, User, utcnow
from tests.conftest import login
from tests.jobrows import job_rows


@pytest.fixture()
def world(factory):
    return factory.world()


def rows(html: str) -> set[str]:
    return set(re.findall(r'<tr id="job-([0-9a-f]+)" data-testid="job-row"', html))


def bulk(client, run_jobs, email: str, action: str, expected: int, **filters) -> str:
    """Start a bulk action, run its job in this process, and open its page. The in-process worker closes the
    session the signed-in user was loaded in, and requests share the test's app context (and its `g`, where
    Flask-Login keeps that user): forget it, so the next request loads the user afresh."""
    response = client.post("/jobs/bulk", data={"action": action, "expected": str(expected), **filters})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    run_jobs(["maintenance"])
    g.pop("_login_user", None)
    login(client, SimpleNamespace(email=email))
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_discard_then_restore_in_bulk(client, db, world, redis_conn, run_jobs):
    gone = job_rows(db, 3, kind="cleanup", error="disk full", organization_id=world.org.id, rq=redis_conn)
    kept = job_rows(db, 2, kind="cleanup", error="other", rq=redis_conn)
    admin = world.sysadmin.email
    login(client, world.sysadmin)
    bulk(client, run_jobs, admin, "discard", 3, text="disk full")
    listed = client.get("/jobs").get_data(as_text=True)
    assert rows(client.get("/jobs?kind=cleanup").get_data(as_text=True)) == set(kept)  # the discarded left it
    assert re.search(r'data-status="discarded">\s*<span class="metric-value">3<', listed)
    assert re.search(r'data-status="failed">\s*<span class="metric-value">2<', listed)
    assert rows(client.get("/jobs?discarded=1").get_data(as_text=True)) == set(gone)
    assert 'data-count="3"' not in client.get("/jobs/failures").get_data(as_text=True)
    assert set(FailedJobRegistry("maintenance", connection=redis_conn).get_job_ids()) == set(kept)

    for action in ("retry", "discard"):  # a discarded job is restored first: these count none of them
        confirm = client.get(f"/jobs/bulk?action={action}&discarded=1").get_data(as_text=True)
        assert '<p data-testid="bulk-count">No failed job matches' in confirm
    confirm = client.get("/jobs/bulk?action=restore&discarded=1").get_data(as_text=True)
    assert '<strong data-testid="bulk-count">3</strong>' in confirm
    page = bulk(client, run_jobs, admin, "restore", 3, discarded="1")
    assert "Restore of 3 jobs started" in page
    db.session.expire_all()
    assert rows(client.get("/jobs?kind=cleanup").get_data(as_text=True)) == set(gone + kept)
    assert set(FailedJobRegistry("maintenance", connection=redis_conn).get_job_ids()) == set(gone + kept)
    assert all(redis_conn.ttl(f"rq:job:{job_id}") > 86400 for job_id in gone)  # no longer on its way out
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))
    actions = [(e.action, e.details["count"]) for e in entries]
    assert actions == [("jobs.bulk_discard", 3), ("jobs.bulk_restore", 3)]


def test_one_discarded_job_is_restored_by_its_button_then_retried(client, db, world, redis_conn, run_jobs):
    org_id, owner = world.org.id, world.owner.email
    job_id = job_rows(db, 1, kind="echo", error="flaky", user_id=world.owner.id, organization_id=org_id,
                      rq=redis_conn)[0]
    login(client, world.owner)
    bulk(client, run_jobs, owner, "discard", 1, id=job_id)
    detail = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-testid="job-discarded"' in detail and "restorable until" in detail
    assert f'action="/jobs/{job_id}/restore"' in detail
    response = client.post(f"/jobs/{job_id}/restore", data={"next": f"/jobs/{job_id}"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/jobs/{job_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "job restored; it is failed again and can be retried" in page and 'data-testid="job-discarded"' not in page
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "jobs.restore"))
    assert entry.target == job_id and entry.organization_id == org_id
    again = client.post(f"/jobs/{job_id}/restore")
    assert again.status_code == 409 and "not discarded" in again.get_data(as_text=True)
    assert client.post(f"/jobs/{job_id}/retry").status_code == 303  # failed as it was: retryable
    run_jobs()
    db.session.expire_all()
    assert db.session.scalar(db.select(JobStatus.status).where(JobStatus.rq_job_id == job_id)) == "completed"


def test_a_discard_older_than_a_day_can_no_longer_be_restored(client, db, world, redis_conn, run_jobs):
    job_id = job_rows(db, 1, kind="echo", rq=redis_conn)[0]
    login(client, world.sysadmin)
    bulk(client, run_jobs, "root@platform.test", "discard", 1, id=job_id)
    db.session.execute(db.update(JobStatus).where(JobStatus.rq_job_id == job_id)
                       .values(discarded_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    response = client.post(f"/jobs/{job_id}/restore")
    assert response.status_code == 409 and "can no longer be restored" in response.get_data(as_text=True)
    assert "no longer restorable" in client.get(f"/jobs/{job_id}").get_data(as_text=True)
    confirm = client.get("/jobs/bulk?action=restore&discarded=1").get_data(as_text=True)
    assert "No failed job matches" in confirm  # out of the bulk restore too


def test_a_discarded_job_still_counts_in_the_figures(client, db, world, redis_conn, run_jobs):
    job_rows(db, 2, kind="echo", organization_id=world.org.id, rq=redis_conn)
    before = (stats.queue_windows()["default"]["hour"].failed, stats.organization_costs(None)[0].failed,
              sum(b.failed for b in throughput(world.sysadmin)))
    admin = world.sysadmin.email
    login(client, world.sysadmin)
    bulk(client, run_jobs, admin, "discard", 2, kind="echo")
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).where(JobStatus.discarded_at.is_not(None))) == 2
    admin_row = db.session.scalar(db.select(User).where(User.email == admin))
    after = (stats.queue_windows()["default"]["hour"].failed, stats.organization_costs(None)[0].failed,
             sum(b.failed for b in throughput(admin_row)))
    assert before == after == (2, 2, 2)


def test_others_jobs_cannot_be_restored(client, db, world, redis_conn, run_jobs):
    theirs = job_rows(db, 1, kind="echo", organization_id=world.other_org.id, rq=redis_conn)[0]
    admin, owner = world.sysadmin.email, world.owner.email
    login(client, world.sysadmin)
    bulk(client, run_jobs, admin, "discard", 1, id=theirs)
    client.post("/logout")
    login(client, SimpleNamespace(email=owner))
    assert client.post(f"/jobs/{theirs}/restore").status_code == 404
