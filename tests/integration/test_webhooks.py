"""Signed webhooks (app/webhooks/): deliveries to a real HTTP receiver on loopback, through the real job queue,
verified with the README's recipe; events from the real services; retries, the log, replay and switch-off."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import g
from rq.job import Job
from sqlalchemy import event, func, select

from app.api import representations
from app.job_monitor import wording
from app.models import (
    WEBHOOK_EVENTS,
    AuditEntry,
    JobStatus,
    Notification,
    TimeLog,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from app.organizations import invitations, people
from app.redis_client import get_redis
from app.reports import runs
from app.reports.params import ReportParams, check
from app.time_tracking import entries, timers
from app.time_tracking.entries import EntryData
from app.webhooks import endpoints
from app.webhooks.delivery import DeliveryFailed, deliver
from app.webhooks.emit import emit
from tests.conftest import login
from tests.integration.notify_helpers import release_scheduled
from tests.integration.webhook_receiver import Receiver
from tests.mailbox import body, empty_outbox, outbox

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture()
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture()
def world(factory):
    return factory.world()


def readme_verify():
    """The signature check the README's Webhooks section shows, run as written."""
    source = README.read_text()
    snippet = re.search(r"<!-- webhook-verify -->\s*```python\n(.*?)```", source, re.S).group(1)
    scope: dict = {}
    exec(snippet, scope)  # noqa: S102 (our own README)
    return scope["verify"]


def register(w, url, events=("time_entry.created",)) -> WebhookEndpoint:
    return endpoints.create(w.owner, w.org, url, "test receiver", list(events))


def test_a_delivery_is_a_signed_post_that_the_readme_recipe_verifies(db, world, receiver, run_jobs):
    w = world
    endpoint = register(w, receiver.url)
    org_id, secret = w.org.id, endpoint.secret
    [delivery] = emit(org_id, "time_entry.created", {"id": 1})
    delivery_id = delivery.id
    run_jobs()

    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Timeboard-Webhooks/1"
    assert headers["Timeboard-Event"] == "time_entry.created"
    assert headers["Timeboard-Delivery"] == delivery_id
    assert readme_verify()(secret, headers["Timeboard-Signature"], body) is True
    assert readme_verify()("whsec_another", headers["Timeboard-Signature"], body) is False
    payload = json.loads(body)
    assert payload["id"] == delivery_id and payload["event"] == "time_entry.created"
    assert payload["organization_id"] == org_id and payload["data"] == {"id": 1}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["created_at"])

    logged = db.session.get(WebhookDelivery, delivery_id)
    assert (logged.status, logged.attempts, logged.response_code) == ("succeeded", 1, 200)
    assert logged.response_body == '{"ok": true}' and logged.duration_ms is not None
    assert logged.request_body == body.decode()
    job = db.session.scalar(select(JobStatus).where(JobStatus.kind == "webhook_delivery"))
    assert (job.queue, job.status, job.organization_id) == ("webhooks", "completed", org_id)
    assert wording.title(job) == "Webhook delivery: time_entry.created"  # its row on /jobs


def test_no_subscriber_no_job(db, world, receiver, run_jobs):
    w = world
    register(w, receiver.url, events=["timer.started"])
    other = register(w, receiver.url, events=["time_entry.created"])
    endpoints.switch(w.owner, other, False)
    org_id = w.org.id
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert emit(org_id, "time_entry.created", lambda: pytest.fail("data built for nobody")) == []
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "webhook_endpoints" in statements[0]  # one query, on the (org, active) index
    assert db.session.scalar(select(JobStatus).where(JobStatus.kind == "webhook_delivery")) is None


# -- endpoints: the pages ----------------------------------------------------------------------------------
EVENTS_FORM = {"url": "", "description": "CRM sync", "events": ["time_entry.created", "timer.started"]}


def test_an_owner_registers_an_endpoint_sees_its_secret_once_edits_switches_rotates_and_deletes_it(client, world):
    w = world
    login(client, w.owner)
    base = f"/organizations/{w.org.id}/webhooks"
    refused = client.post(base, data={**EVENTS_FORM, "url": "ftp://example.com/x"})
    assert refused.status_code == 422 and "must start with http:// or https://" in refused.get_data(as_text=True)
    no_events = client.post(base, data={"url": "https://example.com/hook", "events": []})
    assert no_events.status_code == 422 and "Choose at least one event." in no_events.get_data(as_text=True)

    created = client.post(base, data={**EVENTS_FORM, "url": "https://example.com/hook"})
    assert created.status_code == 303
    endpoint = client.application.extensions["sqlalchemy"].session.scalar(select(WebhookEndpoint))
    assert created.headers["Location"] == f"{base}/{endpoint.id}"
    assert endpoint.events == ["time_entry.created", "timer.started"] and endpoint.secret.startswith("whsec_")
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert endpoint.secret in page and 'data-testid="new-secret"' in page
    assert endpoint.secret not in client.get(created.headers["Location"]).get_data(as_text=True)  # once
    assert "https://example.com/hook" in client.get(base).get_data(as_text=True)

    edited = client.post(f"{base}/{endpoint.id}", data={"url": "https://example.com/v2", "description": "",
                                                        "events": ["report.ready", "bogus"]})
    assert edited.status_code == 303
    assert (endpoint.url, endpoint.events) == ("https://example.com/v2", ["report.ready"])
    assert client.post(f"{base}/{endpoint.id}", data={"url": "gopher://x", "events": ["report.ready"]}
                       ).status_code == 422
    assert endpoint.url == "https://example.com/v2"  # a refused edit changes nothing

    assert client.post(f"{base}/{endpoint.id}/switch", data={"active": "0"}).status_code == 303
    assert endpoint.active is False
    assert "Off: nothing is sent to it." in client.get(f"{base}/{endpoint.id}").get_data(as_text=True)
    assert client.post(f"{base}/{endpoint.id}/switch", data={"active": "1"}).status_code == 303
    assert endpoint.active is True

    old = endpoint.secret
    assert client.post(f"{base}/{endpoint.id}/rotate").status_code == 303
    assert endpoint.secret != old and endpoint.secret in client.get(f"{base}/{endpoint.id}").get_data(as_text=True)

    assert client.post(f"{base}/{endpoint.id}/delete").status_code == 303
    session = client.application.extensions["sqlalchemy"].session
    assert session.scalar(select(WebhookEndpoint)) is None
    actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.organization_id == w.org.id)
                                   .order_by(AuditEntry.id)))
    assert actions == ["webhook.create", "webhook.update", "webhook.switch", "webhook.switch",
                       "webhook.rotate_secret", "webhook.delete"]


PRIVATE = ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest",
           "http://[::1]/hook", "http://192.168.0.10/", "http://[::ffff:127.0.0.1]/hook"]


def test_private_addresses_are_refused_when_the_flag_is_off(app, client, world, db):
    login(client, world.owner)
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False
    try:
        answers = {url: client.post(f"/organizations/{world.org.id}/webhooks", data={**EVENTS_FORM, "url": url})
                   for url in PRIVATE}
        public = client.post(f"/organizations/{world.org.id}/webhooks",
                             data={**EVENTS_FORM, "url": "https://93.184.216.34/hook"})
        # a delivery checks again: an endpoint saved while the flag was on is not reached once it is off
        endpoint = db.session.scalar(select(WebhookEndpoint))
        endpoint.url = "http://127.0.0.1:9/hook"
        db.session.commit()
        [delivery] = emit(world.org.id, "time_entry.created", {"id": 1})
        with pytest.raises(DeliveryFailed, match="public addresses only"):
            deliver(delivery.id)
    finally:
        app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = True
    for url, answer in answers.items():
        assert answer.status_code == 422, url
        assert "webhooks go to public addresses only" in answer.get_data(as_text=True), url
    assert public.status_code == 303


def test_private_addresses_are_allowed_with_the_flag_on(client, world, receiver):
    login(client, world.owner)
    assert client.post(f"/organizations/{world.org.id}/webhooks",
                       data={**EVENTS_FORM, "url": receiver.url}).status_code == 303


@pytest.mark.parametrize(("who", "status"), [("admin", 403), ("manager", 403), ("member", 403), ("outsider", 404)])
def test_only_owners_reach_webhook_pages(client, world, db, who, status):
    w = world
    endpoint = register(w, "https://example.com/hook")
    [delivery] = emit(w.org.id, "time_entry.created", {"id": 1})
    base = f"/organizations/{w.org.id}/webhooks"
    pages = [base, f"{base}/{endpoint.id}"]
    posts = [base, f"{base}/{endpoint.id}", f"{base}/{endpoint.id}/switch", f"{base}/{endpoint.id}/rotate",
             f"{base}/{endpoint.id}/delete", f"{base}/{endpoint.id}/replay-failed",
             f"{base}/{endpoint.id}/deliveries/{delivery.id}/replay"]
    login(client, getattr(w, who))
    for url in pages:
        assert client.get(url).status_code == status, url
    for url in posts:
        assert client.post(url, data={**EVENTS_FORM, "url": "https://example.com/x"}).status_code == status, url
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).url == "https://example.com/hook"
    assert db.session.get(WebhookDelivery, delivery.id).status == "pending"
    if who == "outsider":  # an owner elsewhere cannot reach it through their own organization either
        assert client.get(f"/organizations/{w.other_org.id}/webhooks/{endpoint.id}").status_code == 404
        assert client.post(f"/organizations/{w.other_org.id}/webhooks/{endpoint.id}/delete").status_code == 404


# -- events, from the real services ------------------------------------------------------------------------
def _delivered(receiver, run_jobs, count: int) -> list[dict]:
    run_jobs(["webhooks"])
    return [{"event": json.loads(r["body"])["event"], **json.loads(r["body"])} for r in receiver.wait_for(count)]


def test_time_changes_fire_their_events_once_with_the_api_representation(db, world, receiver, run_jobs):
    w = world
    register(w, receiver.url, events=WEBHOOK_EVENTS)
    start = utcnow() - timedelta(hours=5)
    data = EntryData(project=w.alpha_project, start_time=start, end_time=start + timedelta(hours=1),
                     description="Design review", billable=True)
    entry = entries.create_entry(w.member, data)
    created = representations.time_entry(entry)
    entries.update_entry(w.member, entry, EntryData(project=w.alpha_project, start_time=start,
                                                    end_time=start + timedelta(hours=2), description="Longer",
                                                    billable=True))
    updated = representations.time_entry(entry)
    entries.delete_entry(entry)
    running = factory_timer(db, w)  # a timer started 5 minutes ago
    new = timers.start_timer(w.member, w.beta_project, "Next")  # stops the running one first
    started = representations.time_entry(new)
    timers.stop_timer(w.member)  # under a minute: not kept, so deleted

    org_id = w.org.id
    got = _delivered(receiver, run_jobs, 6)
    assert [g["event"] for g in got] == ["time_entry.created", "time_entry.updated", "time_entry.deleted",
                                         "timer.stopped", "timer.started", "time_entry.deleted"]
    assert got[0]["data"] == created and got[1]["data"] == updated
    assert got[2]["data"]["id"] == created["id"] and got[2]["data"]["description"] == "Longer"
    assert got[3]["data"]["id"] == running and got[3]["data"]["running"] is False
    assert got[4]["data"] == started and started["running"] is True
    assert got[5]["data"]["id"] == started["id"]
    assert {g["organization_id"] for g in got} == {org_id}
    assert len({g["id"] for g in got}) == 6


def factory_timer(db, w) -> int:
    log = TimeLog(user_id=w.member.id, organization_id=w.org.id, project_id=w.alpha_project.id,
                  start_time=utcnow() - timedelta(minutes=5), description="Running")
    db.session.add(log)
    db.session.commit()
    return log.id


def test_pausing_stops_and_resuming_starts_a_timer(db, world, receiver, run_jobs):
    w = world
    register(w, receiver.url, events=["timer.started", "timer.stopped"])
    running = factory_timer(db, w)
    timers.pause_timer(w.member)
    resumed = timers.resume_timer(w.member).id
    got = _delivered(receiver, run_jobs, 2)
    assert [(g["event"], g["data"]["id"]) for g in got] == [("timer.stopped", running),
                                                           ("timer.started", resumed)]


def test_only_the_events_an_endpoint_chose_reach_it_and_other_organizations_get_nothing(db, world, receiver,
                                                                                         run_jobs):
    w = world
    register(w, receiver.url, events=["time_entry.deleted"])
    endpoints.create(w.outsider, w.other_org, receiver.url, "", list(WEBHOOK_EVENTS))
    start = utcnow() - timedelta(hours=5)
    entry = entries.create_entry(w.member, EntryData(project=w.alpha_project, start_time=start,
                                                     end_time=start + timedelta(hours=1), description="Calls",
                                                     billable=True))
    entries.delete_entry(entry)
    org_id = w.org.id
    got = _delivered(receiver, run_jobs, 1)
    assert [(g["event"], g["organization_id"]) for g in got] == [("time_entry.deleted", org_id)]


def test_a_finished_report_fires_report_ready(db, world, receiver, run_jobs):
    w = world
    register(w, receiver.url, events=["report.ready"])
    today = utcnow().date()
    params = check(ReportParams(organization_id=w.org.id, range="custom", date_from=(today - timedelta(days=7))
                                .isoformat(), date_to=today.isoformat(), groups=["project"], format="csv",
                                time_zone="UTC"))
    report_id = runs.create_report(w.owner, params).id
    run_jobs(["reports"])
    [got] = _delivered(receiver, run_jobs, 1)
    assert got["event"] == "report.ready"
    assert got["data"]["id"] == report_id and got["data"]["status"] == "completed"
    assert got["data"]["file_url"].endswith(f"/api/v1/reports/{report_id}/file")


def test_a_member_joining_and_a_member_removed_fire_their_events(db, world, receiver, run_jobs, factory):
    w = world
    register(w, receiver.url, events=["member.joined", "member.removed"])
    newcomer = factory.user(None, email="newcomer@acme.test")
    invitation, _ = invitations.invite(w.owner, w.org, newcomer.email, "manager", [])
    invitations.accept(invitation, newcomer)
    people.remove_member(w.owner, w.org, w.org.membership_of(w.beta_member.id))
    removed_id = w.beta_member.id
    got = _delivered(receiver, run_jobs, 2)
    assert [g["event"] for g in got] == ["member.joined", "member.removed"]
    assert got[0]["data"]["user"]["email"] == "newcomer@acme.test" and got[0]["data"]["role"] == "manager"
    assert got[1]["data"]["user"]["id"] == removed_id and got[1]["data"]["removed_at"]


# -- failures, retries, the log, replay, switch-off ------------------------------------------------------------
def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_is_logged(db, world, receiver, run_jobs):
    w = world
    register(w, receiver.url)
    receiver.status, receiver.reply = 500, b"boom: database locked"
    [delivery] = emit(w.org.id, "time_entry.created", {"id": 7})
    delivery_id = delivery.id
    run_jobs(["webhooks"])

    logged = db.session.get(WebhookDelivery, delivery_id)
    assert (logged.status, logged.attempts, logged.response_code) == ("failed", 1, 500)
    assert logged.response_body == "boom: database locked" and logged.error == "HTTP 500"
    job_row = JobStatus.query.filter_by(kind="webhook_delivery").one()
    assert receiver.url not in (job_row.error_message or "") and "HTTP 500" in job_row.error_message
    job = Job.fetch(JobStatus.query.filter_by(kind="webhook_delivery").one().rq_job_id, connection=get_redis())
    assert job.get_status() == "scheduled" and job.retries_left == 3  # 5 attempts in all: 4 retries, 1 used
    assert job.retry_intervals == [10, 60, 300, 1800]
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.consecutive_failures == 0  # not final yet: retries remain

    receiver.status = 200
    release_scheduled()  # the 10 s backoff is due now
    run_jobs(["webhooks"], with_scheduler=True)
    db.session.expire_all()
    logged = db.session.get(WebhookDelivery, delivery_id)
    assert (logged.status, logged.attempts, logged.response_code) == ("succeeded", 2, 200)
    assert [json.loads(r["body"])["id"] for r in receiver.requests] == [delivery_id, delivery_id]


def test_a_delivery_failing_all_five_attempts_is_failed_and_counts_once_for_its_endpoint(db, world, receiver,
                                                                                       run_jobs):
    w = world
    endpoint_id = register(w, receiver.url).id
    receiver.status = 502
    delivery_id = emit(w.org.id, "time_entry.created", {"id": 7})[0].id
    run_jobs(["webhooks"])
    for _ in range(4):  # each backoff (10 s, 1 min, 5 min, 30 min) made due at once
        release_scheduled()
        run_jobs(["webhooks"], with_scheduler=True)
    db.session.expire_all()
    logged = db.session.get(WebhookDelivery, delivery_id)
    assert (logged.status, logged.attempts, logged.response_code) == ("failed", 5, 502)
    assert len(receiver.requests) == 5
    assert db.session.scalar(select(JobStatus.status).where(JobStatus.kind == "webhook_delivery")) == "failed"
    assert db.session.get(WebhookEndpoint, endpoint_id).consecutive_failures == 1


def test_replay_one_delivery_or_all_failed_ones_answers_303_saying_how_many(client, db, world, receiver, run_jobs):
    w = world

    def run_jobs_then_forget_user(queues):
        """The in-process worker ends its session: the signed-in user that Flask-Login keeps in the test's app
        context (shared with the client's requests) is loaded again on the next request."""
        run_jobs(queues)
        g.pop("_login_user", None)

    endpoint = register(w, receiver.url, events=["time_entry.created", "time_entry.deleted"])
    org_id = w.org.id
    page = f"/organizations/{org_id}/webhooks/{endpoint.id}"
    login(client, w.owner)
    delivered = emit(org_id, "time_entry.created", {"id": 1})[0].id
    run_jobs_then_forget_user(["webhooks"])
    receiver.status = 503
    failing = [emit(org_id, "time_entry.deleted", {"id": n})[0].id for n in (2, 3)]
    run_jobs_then_forget_user(["webhooks"])
    receiver.status = 200

    html = client.get(page).get_data(as_text=True)
    assert html.index(failing[1]) < html.index(failing[0]) < html.index(delivered)  # newest first
    answer = client.post(f"{page}/replay-failed")
    assert answer.status_code == 303 and answer.headers["Location"] == page
    assert "2 deliveries queued again." in client.get(page).get_data(as_text=True)
    run_jobs_then_forget_user(["webhooks"])
    assert {db.session.get(WebhookDelivery, i).status for i in failing} == {"succeeded"}

    answer = client.post(f"{page}/deliveries/{delivered}/replay")
    assert answer.status_code == 303
    assert "1 delivery queued again." in client.get(page).get_data(as_text=True)
    run_jobs_then_forget_user(["webhooks"])
    assert [json.loads(r["body"])["id"] for r in receiver.requests].count(delivered) == 2  # the same id again
    assert client.post(f"{page}/deliveries/not-a-delivery/replay").status_code == 404
    answer = client.post(f"{page}/replay-failed")
    assert "No failed deliveries to replay." in client.get(answer.headers["Location"]).get_data(as_text=True)

    assert client.post(f"{page}/switch", data={"active": "0"}).status_code == 303
    sent = len(receiver.requests)
    answer = client.post(f"{page}/deliveries/{delivered}/replay")
    assert answer.status_code == 303
    assert "This endpoint is switched off" in client.get(page).get_data(as_text=True)
    run_jobs_then_forget_user(["webhooks"])
    assert len(receiver.requests) == sent and db.session.get(WebhookDelivery, delivered).status == "succeeded"


def test_the_delivery_log_is_paginated_newest_first(client, db, world):
    w = world
    endpoint = register(w, "https://example.com/hook")
    ids = []
    for n in range(21):
        [delivery] = emit(w.org.id, "time_entry.created", {"id": n})
        delivery.created_at = utcnow() - timedelta(minutes=30 - n)  # one a minute, the last the newest
        ids.append(delivery.id)
    db.session.commit()
    login(client, w.owner)
    page = f"/organizations/{w.org.id}/webhooks/{endpoint.id}"
    first = re.findall(r'data-delivery-id="([^"]+)"', client.get(page).get_data(as_text=True))
    second = re.findall(r'data-delivery-id="([^"]+)"', client.get(f"{page}?page=2").get_data(as_text=True))
    assert first == ids[::-1][:20] and second == [ids[0]]
    assert client.get(f"{page}?page=abc").status_code == 200


def test_ten_failed_deliveries_in_a_row_switch_the_endpoint_off_and_tell_the_owners(app, db, world, receiver,
                                                                                    run_jobs):
    w = world
    empty_outbox(app.config["OUTBOX_DIR"])
    endpoint = register(w, receiver.url)
    endpoint_id, owner_id = endpoint.id, w.owner.id
    receiver.status = 500
    for n in range(10):
        [delivery] = emit(w.org.id, "time_entry.created", {"id": n})
        assert db.session.get(WebhookEndpoint, endpoint_id).active is True
        with pytest.raises(DeliveryFailed):
            deliver(delivery.id)  # outside a job: its last attempt, so it counts for the endpoint
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    assert endpoint.active is False and endpoint.consecutive_failures == 10
    assert "10 consecutive failed deliveries" in endpoint.disabled_reason
    [notice] = db.session.scalars(select(Notification).where(Notification.kind == "webhook_disabled"))
    assert notice.user_id == owner_id and receiver.url in notice.title
    assert notice.link == f"/organizations/{w.org.id}/webhooks/{endpoint_id}"
    assert emit(w.org.id, "time_entry.created", {"id": 11}) == []  # nothing more is sent
    assert len(receiver.requests) == 10
    endpoints.switch(w.owner, endpoint, True)
    assert endpoint.consecutive_failures == 0

    url, email = receiver.url, w.owner.email
    run_jobs(["notifications"])  # the e-mail beside the in-app notification
    [message] = outbox(app.config["OUTBOX_DIR"])
    assert message["To"] == email and f"A webhook was switched off: {url}" in message["Subject"]
    assert f"/webhooks/{endpoint_id}" in body(message)


def test_a_success_resets_the_count_of_failures(db, world, receiver):
    w = world
    endpoint = register(w, receiver.url)
    receiver.status = 500
    for n in range(9):
        with pytest.raises(DeliveryFailed):
            deliver(emit(w.org.id, "time_entry.created", {"id": n})[0].id)
    receiver.status = 204
    deliver(emit(w.org.id, "time_entry.created", {"id": 9})[0].id)
    receiver.status = 500
    with pytest.raises(DeliveryFailed):
        deliver(emit(w.org.id, "time_entry.created", {"id": 10})[0].id)
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 1)


def test_deleting_the_organization_deletes_its_endpoints_and_their_log(db, world, receiver, run_jobs):
    from app.organizations import lifecycle

    w = world
    register(w, receiver.url)
    endpoints.create(w.outsider, w.other_org, receiver.url, "", ["time_entry.created"])
    emit(w.org.id, "time_entry.created", {"id": 1})
    emit(w.other_org.id, "time_entry.created", {"id": 2})
    other_org_id = w.other_org.id
    lifecycle.delete(w.org.id)
    db.session.expire_all()
    assert [e.organization_id for e in db.session.scalars(select(WebhookEndpoint))] == [other_org_id]
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_private_addresses_are_off_by_default_in_production_only(tmp_path):
    from app.config import load_config

    production = {"APP_ENV": "production", "SECRET_KEY": "s", "APP_URL": "https://timeboard.example.com"}
    assert load_config(str(tmp_path), environ=production)["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] is False
    assert load_config(str(tmp_path), environ={**production, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1"}
                       )["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] is True
    assert load_config(str(tmp_path), environ={"APP_ENV": "development"})["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] is True
    assert load_config(str(tmp_path), environ={"APP_ENV": "test", "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "off"}
                       )["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] is False
