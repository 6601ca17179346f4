"""Signed webhooks (app/webhooks/): deliveries to a real HTTP receiver on loopback, through the real job queue,
verified with the README's recipe; events from the real services; retries, the log, replay and switch-off."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEntry, JobStatus, WebhookDelivery, WebhookEndpoint
from app.webhooks import endpoints
from app.webhooks.emit import emit
from tests.conftest import login
from tests.integration.webhook_receiver import Receiver

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


def test_no_subscriber_no_job(db, world, receiver, run_jobs):
    w = world
    register(w, receiver.url, events=["timer.started"])
    other = register(w, receiver.url, events=["time_entry.created"])
    endpoints.switch(w.owner, other, False)
    assert emit(w.org.id, "time_entry.created", {"id": 1}) == []
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


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook",
                                 "http://169.254.169.254/latest", "http://[::1]/hook", "http://192.168.0.10/"])
def test_private_addresses_are_refused_when_the_flag_is_off(app, client, world, url):
    login(client, world.owner)
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False
    try:
        answer = client.post(f"/organizations/{world.org.id}/webhooks", data={**EVENTS_FORM, "url": url})
        public = client.post(f"/organizations/{world.org.id}/webhooks",
                             data={**EVENTS_FORM, "url": "https://93.184.216.34/hook"})
    finally:
        app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = True
    assert answer.status_code == 422
    assert "webhooks go to public addresses only" in answer.get_data(as_text=True)
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
