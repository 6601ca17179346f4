"""Bulk actions on a search: the page counts first, the confirmed action is audited and runs as a maintenance job
in chunks with progress, through a real worker, over thousands of jobs."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry

from app.background.enqueue import get_queue
from app.models import AuditEntry, JobStatus
from tests.conftest import login
from tests.jobrows import job_rows


@pytest.fixture()
def world(factory):
    return factory.world()


def count_confirmed(client, query: str) -> int:
    response = client.get(f"/jobs/bulk?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return int(re.search(r'data-testid="bulk-count">([\d,]+)<', response.get_data(as_text=True))[1].replace(",", ""))


def start(client, data: dict) -> str:
    response = client.post("/jobs/bulk", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return response.headers["Location"].rsplit("/", 1)[1]


def by_status(db, **where) -> dict[str, int]:
    db.session.expire_all()
    query = db.select(JobStatus.status, db.func.count()).group_by(JobStatus.status)
    for name, value in where.items():
        query = query.where(getattr(JobStatus, name) == value)
    return dict(db.session.execute(query).all())


def test_retry_every_failure_of_a_kind_through_a_real_worker_with_progress(client, db, world, redis_conn,
                                                                           start_worker):
    failed = job_rows(db, 2000, kind="echo", error="upstream timeout", rq=redis_conn)
    others = job_rows(db, 3, kind="cleanup", error="upstream timeout", rq=redis_conn)
    login(client, world.sysadmin)
    assert count_confirmed(client, "action=retry&kind=echo") == 2000
    bulk_id = start(client, {"action": "retry", "kind": "echo", "expected": "2000"})
    start_worker("maintenance")  # not "default": the 2,000 retried jobs wait there to be counted
    deadline = time.time() + 60
    while time.time() < deadline and by_status(db, rq_job_id=bulk_id) != {"completed": 1}:
        time.sleep(0.3)
    bulk = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == bulk_id))
    assert bulk.status == "completed", bulk.error_message
    assert bulk.kind == "bulk_action" and bulk.queue == "maintenance" and bulk.progress == 100
    assert bulk.result_summary == "retry: 2,000 of 2,000 jobs"
    meta = Job.fetch(bulk_id, connection=redis_conn).meta
    assert meta["progress"] == 100 and meta["progress_message"] == "2,000 of 2,000"
    assert by_status(db, kind="echo") == {"pending": 2000}
    assert get_queue("default").count == 2000 and set(get_queue("default").get_job_ids()) == set(failed)
    assert FailedJobRegistry("default", connection=redis_conn).count == 0
    assert by_status(db, kind="cleanup") == {"failed": 3}  # another kind is left alone
    assert FailedJobRegistry("maintenance", connection=redis_conn).count == len(others)
    entry = db.session.scalar(db.select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.details["count"]) == ("jobs.bulk_retry", world.sysadmin.id, 2000)
    assert entry.details["filters"] == {"kind": "echo"}


def test_discard_failed_jobs_older_than_n_days(client, db, world, redis_conn, run_jobs):
    old = job_rows(db, 1500, kind="cleanup", age=timedelta(days=10), rq=redis_conn)
    recent = job_rows(db, 5, kind="cleanup", age=timedelta(days=1), rq=redis_conn)
    login(client, world.sysadmin)
    assert count_confirmed(client, "action=discard&older_than=7") == 1500
    bulk_id = start(client, {"action": "discard", "older_than": "7", "expected": "1500"})
    run_jobs(["maintenance"])
    db.session.expire_all()
    assert db.session.scalar(db.select(JobStatus.result_summary).where(JobStatus.rq_job_id == bulk_id)) == \
        "discard: 1,500 of 1,500 jobs"
    left = set(db.session.scalars(db.select(JobStatus.rq_job_id).where(JobStatus.kind == "cleanup",
                                                                       JobStatus.discarded_at.is_(None))))
    assert left == set(recent)  # the old ones are discarded: kept (restorable for a day), no longer listed
    assert set(FailedJobRegistry("maintenance", connection=redis_conn).get_job_ids()) == set(recent)
    assert all(0 < redis_conn.ttl(f"rq:job:{job_id}") <= 86400 for job_id in old[:50])  # gone from Redis in a day


def test_cancel_every_pending_job_of_a_queue(client, db, world, redis_conn, run_jobs):
    pending = job_rows(db, 300, kind="echo", status="pending", rq=redis_conn)
    login(client, world.sysadmin)
    assert count_confirmed(client, "action=cancel&queue=default") == 300
    start(client, {"action": "cancel", "queue": "default", "expected": "300"})
    run_jobs(["maintenance"])
    assert by_status(db, kind="echo") == {"canceled": 300}
    assert Job.fetch(pending[0], connection=redis_conn).get_status() == "canceled"
    assert get_queue("default").count == 0


def test_an_owner_acts_on_their_organizations_jobs_only(client, db, world, redis_conn, run_jobs):
    org_id, other_id = world.org.id, world.other_org.id  # the in-process job closes the session they live in
    ours = job_rows(db, 20, kind="echo", organization_id=org_id, rq=redis_conn)
    theirs = job_rows(db, 7, kind="echo", organization_id=other_id, rq=redis_conn)
    login(client, world.owner)
    assert count_confirmed(client, "action=retry&kind=echo") == 20
    start(client, {"action": "retry", "kind": "echo", "organization": str(org_id), "expected": "20"})
    entry = db.session.scalar(db.select(AuditEntry))
    assert entry.organization_id == org_id  # on the organization's own audit page
    assert "jobs.bulk_retry" in client.get(f"/organizations/{org_id}/audit").get_data(as_text=True)
    run_jobs(["maintenance"])
    assert by_status(db, organization_id=org_id, kind="echo") == {"pending": 20}
    assert by_status(db, organization_id=other_id) == {"failed": 7}
    queued = set(get_queue("default").get_job_ids())
    assert queued == set(ours) and not queued & set(theirs)


def test_bulk_actions_refuse_bad_input_and_members(client, db, world):
    job_rows(db, 2, kind="echo")
    login(client, world.sysadmin)
    assert client.get("/jobs/bulk?action=explode&kind=echo").status_code == 422
    assert client.get("/jobs/bulk?action=retry&kind=nope").status_code == 422
    assert client.get("/jobs/bulk?action=retry&status=pending").status_code == 422  # retry is for failed jobs
    assert client.post("/jobs/bulk", data={"action": "retry", "kind": "echo"}).status_code == 422  # no count seen
    assert client.post("/jobs/bulk", data={"action": "retry", "kind": "cleanup", "expected": "1"}).status_code == 422
    assert by_status(db) == {"failed": 2}
    client.post("/logout")
    login(client, world.member)
    assert client.get("/jobs/bulk?action=retry&kind=echo").status_code == 403
    assert client.post("/jobs/bulk", data={"action": "retry", "kind": "echo", "expected": "2"}).status_code == 403


def test_an_owners_bulk_action_without_an_organization_filter_is_on_their_organizations_audit(client, db, world):
    job_rows(db, 2, kind="echo", organization_id=world.org.id)
    login(client, world.owner)
    start(client, {"action": "discard", "kind": "echo", "expected": "2"})
    entry = db.session.scalar(db.select(AuditEntry))
    assert (entry.action, entry.organization_id, entry.details["count"]) == ("jobs.bulk_discard", world.org.id, 2)
