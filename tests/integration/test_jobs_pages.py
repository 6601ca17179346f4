"""/jobs and /jobs/<id> for each role, filters, pagination, and the retry / cancel / run-now actions."""
from __future__ import annotations

import re

import pytest
from rq.job import Job

from app.background.enqueue import enqueue
from app.models import JobStatus
from tests.conftest import login


@pytest.fixture()
def world(factory):
    """The world's users as plain values: the in-process job runner closes the session they live in."""
    from types import SimpleNamespace

    w = factory.world()
    for role in ("member", "owner", "outsider", "sysadmin"):
        user = getattr(w, role)
        setattr(w, role, SimpleNamespace(id=user.id, email=user.email))
    return w


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="job-([0-9a-f]+)" data-testid="job-row"', html)


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/jobs").status_code == 302
    assert client.get("/jobs/whatever").status_code == 302


@pytest.mark.parametrize("role", ["member", "owner"])
def test_members_and_owners_see_only_their_own_jobs(client, world, role):
    user = getattr(world, role)
    mine = enqueue("echo", "mine", user_id=user.id)
    other = enqueue("echo", "theirs", user_id=world.outsider.id)
    system = enqueue("cleanup")
    login(client, user)
    response = client.get("/jobs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rows(html) == [mine.rq_job_id]
    assert other.rq_job_id not in html and system.rq_job_id not in html
    assert f"jobs:user:{user.id}" in html and "jobs:all" not in html
    assert 'data-testid="recurring-table"' not in html
    assert client.get(f"/jobs/{mine.rq_job_id}").status_code == 200
    assert client.get(f"/jobs/{mine.id}").status_code == 200  # JobStatus id works too
    assert client.get(f"/jobs/{other.rq_job_id}").status_code == 404
    assert client.get(f"/jobs/{system.id}").status_code == 404


def test_system_admins_see_every_job_counts_queues_chart_and_the_recurring_table(client, world, run_jobs):
    a = enqueue("echo", "a", user_id=world.member.id).rq_job_id
    b = enqueue("fail", "b").rq_job_id
    run_jobs()  # a completes; b fails once and waits for its retry
    c = enqueue("echo", "c").rq_job_id
    login(client, world.sysadmin)
    html = client.get("/jobs").get_data(as_text=True)
    assert set(rows(html)) == {a, b, c}
    assert rows(html)[0] == c  # newest first
    assert '"jobs:all"' in html.replace("&#34;", '"')
    counts = dict(re.findall(r'data-status="(\w+)">\s*<span class="metric-value">(\d+)<', html))
    assert counts == {"pending": "2", "processing": "0", "completed": "1", "failed": "0", "canceled": "0"}
    html = client.get("/jobs/queues").get_data(as_text=True)
    assert re.search(r'<tr data-queue="default" data-paused="no">\s*<td>default</td>\s*<td>.*?running.*?</td>\s*'
                     r'<td class="num">1</td>', html)
    html = client.get("/jobs").get_data(as_text=True)
    assert "<title id=\"jobs-chart-title\">Jobs finished per minute, last hour</title>" in html
    assert "1 jobs finished in the last hour (0 failed)" in html  # b is pending again, not finished
    html = client.get("/jobs/recurring").get_data(as_text=True)
    assert 'data-testid="recurring-table"' in html and 'data-entry="performance_snapshot"' in html


def test_filters_by_status_queue_and_kind(client, world, run_jobs):
    done = enqueue("echo", "done").rq_job_id
    run_jobs()
    waiting = enqueue("cleanup")
    login(client, world.sysadmin)
    assert rows(client.get("/jobs?status=completed").get_data(as_text=True)) == [done]
    assert rows(client.get("/jobs?queue=maintenance").get_data(as_text=True)) == [waiting.rq_job_id]
    assert rows(client.get("/jobs?kind=echo&status=pending").get_data(as_text=True)) == []
    html = client.get("/jobs?kind=echo").get_data(as_text=True)
    assert rows(html) == [done] and 'id="job-rows-static"' in html  # no live prepends when filtered


@pytest.mark.parametrize("query", ["status=exploded", "queue=nope", "kind=<script>", "status=pending&queue=x"])
def test_bad_filter_values_give_a_422_notice_and_are_ignored(client, world, query):
    job = enqueue("echo", user_id=world.member.id)
    login(client, world.member)
    response = client.get(f"/jobs?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="filter-error"' in html and "The filter was ignored." in html
    assert "<script>" not in html.split('data-testid="filter-error"')[1][:200]
    if "status=pending" not in query:
        assert rows(html) == [job.rq_job_id]


def test_pagination_and_a_bad_page_number(client, world):
    ids = [enqueue("echo", i, user_id=world.member.id).rq_job_id for i in range(30)]
    login(client, world.member)
    first = rows(client.get("/jobs").get_data(as_text=True))
    second = rows(client.get("/jobs?page=2").get_data(as_text=True))
    assert len(first) == 25 and len(second) == 5 and set(first + second) == set(ids)
    assert client.get("/jobs?page=abc").status_code == 200
    assert rows(client.get("/jobs?page=99").get_data(as_text=True)) == []


def test_detail_shows_the_traceback_of_a_failed_job(client, world, redis_conn, run_jobs):
    from rq import Queue

    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "fail", "kaboom",
                                                           meta={"user_id": world.member.id})
    run_jobs()
    login(client, world.member)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'data-testid="job-traceback"' in html and "RuntimeError: kaboom" in html
    assert f'id="job-{job.id}-detail"' in html
    requester = re.search(r'data-testid="job-requester">([^<]*)</a>', html).group(1)
    assert requester.endswith(f"&lt;{world.member.email}&gt;") and "#" not in requester  # a name, not a number


def test_unknown_job_ids_are_404(client, world):
    login(client, world.sysadmin)
    for bad in ("nope", "999999", "../../etc", "9" * 40):
        assert client.get(f"/jobs/{bad}").status_code == 404
        assert client.post(f"/jobs/{bad}/retry").status_code == 404
        assert client.post(f"/jobs/{bad}/cancel").status_code == 404


def test_cancel_a_pending_job_then_409_once_it_is_not_pending(client, world, redis_conn):
    job = enqueue("echo", user_id=world.member.id)
    login(client, world.member)
    response = client.post(f"/jobs/{job.rq_job_id}/cancel")
    assert response.status_code == 303
    from app.extensions import db

    db.session.expire_all()
    assert db.session.get(JobStatus, job.id).status == "canceled"
    assert Job.fetch(job.rq_job_id, connection=redis_conn).get_status() == "canceled"
    again = client.post(f"/jobs/{job.rq_job_id}/cancel")
    assert again.status_code == 409 and "Only a pending job can be canceled" in again.get_data(as_text=True)


def test_cancel_refuses_a_running_job_with_409_and_changes_nothing(client, world, db, redis_conn):
    job = enqueue("echo", user_id=world.member.id)
    Job.fetch(job.rq_job_id, connection=redis_conn).set_status("started")
    login(client, world.member)
    response = client.post(f"/jobs/{job.rq_job_id}/cancel")
    assert response.status_code == 409 and "just started" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(JobStatus, job.id).status == "pending"


def test_retry_a_failed_job_and_409_for_one_that_is_not_failed(client, world, db, redis_conn, run_jobs):
    from rq import Queue

    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "fail", "x",
                                                           meta={"user_id": world.member.id})
    run_jobs()
    ok = enqueue("echo", user_id=world.member.id).rq_job_id
    login(client, world.member)
    response = client.post(f"/jobs/{ok}/retry")
    assert response.status_code == 409 and "Only a failed job can be retried; this one is pending" in \
        response.get_data(as_text=True)
    assert client.post(f"/jobs/{job.id}/retry").status_code == 303  # by RQ job id
    db.session.expire_all()
    status = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == job.id))
    assert status.status == "pending"
    run_jobs()
    db.session.expire_all()
    status = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == job.id))
    assert status.status == "failed" and status.attempts == 2


def test_another_users_job_cannot_be_retried_or_canceled(client, world, db):
    job = enqueue("echo", user_id=world.owner.id)
    login(client, world.member)
    assert client.post(f"/jobs/{job.rq_job_id}/cancel").status_code == 404
    db.session.expire_all()
    assert db.session.get(JobStatus, job.id).status == "pending"


def test_run_now_is_for_system_admins_and_unknown_entries_are_404(client, world, db):
    login(client, world.owner)
    assert client.post("/jobs/recurring/cleanup/run").status_code == 403
    client.post("/logout")
    login(client, world.sysadmin)
    assert client.post("/jobs/recurring/nope/run").status_code == 404
    response = client.post("/jobs/recurring/cleanup/run")
    assert response.status_code == 303
    assert client.post("/jobs/recurring/cleanup/run").status_code == 303  # coalesced while pending
    rows_ = db.session.scalars(db.select(JobStatus).where(JobStatus.kind == "cleanup")).all()
    assert len(rows_) == 1 and rows_[0].coalesce_key == "recurring:cleanup"


def test_actions_need_a_csrf_token_and_accept_the_header_turbo_sends(csrf_app, factory, db):
    """Streamed rows carry no hidden token; Turbo sends the page's meta token as X-CSRFToken."""
    w = factory.world()
    job = enqueue("echo", user_id=w.member.id)
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]
    client.post("/login", data={"email": w.member.email, "password": "password", "csrf_token": token})
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/jobs").get_data(as_text=True))[1]
    assert client.post(f"/jobs/{job.rq_job_id}/cancel").status_code == 400
    db.session.expire_all()
    assert db.session.get(JobStatus, job.id).status == "pending"
    assert client.post(f"/jobs/{job.rq_job_id}/cancel", headers={"X-CSRFToken": meta}).status_code == 303


def test_a_stale_action_answers_what_went_wrong_and_the_way_back_to_the_page_it_came_from(client, world, db):
    job = enqueue("echo", user_id=world.member.id)
    login(client, world.member)
    page = "http://localhost/jobs?status=failed"
    response = client.post(f"/jobs/{job.rq_job_id}/retry", headers={"Referer": page})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Only a failed job can be retried; this one is pending" in html
    assert 'href="/jobs?status=failed" data-testid="error-back"' in html
    assert response.headers["Cache-Control"] == "no-store"  # its way back is this request's alone
    for elsewhere in ("https://evil.example/jobs", "javascript:alert(1)", "http://localhost//evil.example/x",
                      "http://localhost/\\evil.example/x"):
        html = client.post(f"/jobs/{job.rq_job_id}/retry", headers={"Referer": elsewhere}).get_data(as_text=True)
        assert 'data-testid="error-back"' not in html and "Back to Timeboard" in html
