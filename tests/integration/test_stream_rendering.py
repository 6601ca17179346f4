"""What a request broadcasts to other people carries nothing of the acting user's session: when an
owner edits a member's entry, or a system admin retries a member's job, the streams published for the
member hold no CSRF token (the member's forms post with their page's meta token instead)."""
from __future__ import annotations

import json
import re
import time

import pytest
from rq import Queue

from app.live.publisher import CHANNEL
from app.models import JobStatus


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or \
        re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    return found[1]


def signed_in(csrf_app, user):
    """A test client of the app with CSRF on, signed in as `user` through the real form."""
    client = csrf_app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": "password", "csrf_token": token})
    assert response.status_code == 303
    return client


@pytest.fixture()
def published(redis_conn):
    """listen = published() subscribes to the relay channel; listen(until=...) returns every stream
    published since then (as dicts), once one contains `until` or after a few seconds."""
    subscriptions = []

    def start():
        pubsub = redis_conn.pubsub()
        subscriptions.append(pubsub)
        pubsub.subscribe(CHANNEL)
        assert pubsub.get_message(timeout=5)["type"] == "subscribe"  # subscribed before anything happens

        def collect(until: str, timeout: float = 5) -> list[dict]:
            messages: list[dict] = []
            deadline = time.time() + timeout
            while time.time() < deadline and not any(until in m.get("stream", "") for m in messages):
                message = pubsub.get_message(timeout=0.2)
                if message and message["type"] == "message":
                    messages.append(json.loads(message["data"]))
            return messages

        return collect

    yield start
    for pubsub in subscriptions:
        pubsub.close()


def for_topic(messages: list[dict], topic: str) -> list[str]:
    return [m["stream"] for m in messages if topic in m.get("topics", ())]


def test_an_owner_editing_a_members_entry_pushes_no_csrf_token_to_the_member(csrf_app, factory, published):
    w = factory.world()
    owner = signed_in(csrf_app, w.owner)
    form = owner.get(f"/time-logs/{w.member_log.id}/edit").get_data(as_text=True)
    listen = published()
    response = owner.post(f"/time-logs/{w.member_log.id}/edit", data={
        "project_id": w.alpha_project.id, "day": "2026-03-02", "start": "09:00", "end": "10:00",
        "duration": "", "description": "Edited by the owner", "billable": "y", "csrf_token": _token(form)})
    assert response.status_code == 303

    streams = for_topic(listen(until='target="header-timer"'), f"user:{w.member.id}")
    assert any('target="header-timer"' in s for s in streams), "the member's header timer was pushed"
    assert any('data-testid="quick-start"' in s for s in streams), "with its start form"
    for stream in streams:
        assert "csrf_token" not in stream, stream
    # and the owner's own next page still carries a token (the broadcast left the request alone)
    assert 'name="csrf_token"' in owner.get("/time-logs/new").get_data(as_text=True)


def _a_members_failed_job_on_the_admins_page(csrf_app, factory, run_jobs, redis_conn, watch):
    """A member's job that failed, the member's /jobs open, and a system admin on the job's page."""
    w = factory.world()
    member_id = w.member.id
    watch(f"jobs:user:{member_id}")  # the member has /jobs open
    admin_client = signed_in(csrf_app, w.sysadmin)
    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "fail", "x",
                                                           meta={"user_id": member_id})
    run_jobs()
    return member_id, admin_client, job, admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_an_admin_retrying_a_members_job_pushes_no_csrf_token(csrf_app, factory, run_jobs, redis_conn, published,
                                                               watch):
    member_id, admin_client, job, page = _a_members_failed_job_on_the_admins_page(csrf_app, factory, run_jobs,
                                                                                 redis_conn, watch)
    listen = published()
    assert admin_client.post(f"/jobs/{job.id}/retry", data={"csrf_token": _token(page)}).status_code == 303

    streams = for_topic(listen(until="Cancel"), f"jobs:user:{member_id}")
    assert any(f'target="job-{job.id}"' in s and "Cancel" in s for s in streams), "the pending row, with its form"
    for stream in streams:
        assert "csrf_token" not in stream, stream
    assert factory.db.session.query(JobStatus).filter_by(rq_job_id=job.id).one().status == "pending"


def test_a_job_change_refreshes_the_job_monitors_but_not_the_page_that_made_it(csrf_app, factory, run_jobs,
                                                                                redis_conn, published, watch):
    """The per-viewer summary of /jobs follows through a Turbo page refresh; the request-id lets the
    page whose own request caused it skip the refresh (it renders the response anyway)."""
    member_id, admin_client, job, page = _a_members_failed_job_on_the_admins_page(csrf_app, factory, run_jobs,
                                                                                 redis_conn, watch)
    assert '<meta name="turbo-refresh-method" content="morph">' in page
    listen = published()
    response = admin_client.post(f"/jobs/{job.id}/retry", data={"csrf_token": _token(page)},
                                 headers={"X-Turbo-Request-Id": "the-admins-retry"})
    assert response.status_code == 303

    streams = for_topic(listen(until='action="refresh"'), f"jobs:user:{member_id}")
    assert '<turbo-stream action="refresh" request-id="the-admins-retry"></turbo-stream>' in streams
