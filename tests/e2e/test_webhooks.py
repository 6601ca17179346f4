"""In Chromium: an owner registers a webhook endpoint (a refused form first), sees its signing secret once, an
event is delivered by the real workers to a receiver on loopback, the delivery shows in the endpoint's log, and
its Replay sends it again."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.models import Role, utcnow
from app.time_tracking import entries
from app.time_tracking.entries import EntryData
from tests.e2e.conftest import sign_in
from tests.integration.test_webhooks import readme_verify
from tests.integration.webhook_receiver import Receiver

pytestmark = pytest.mark.e2e


def _reload_until(page, check, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the delivery log never showed it"
        page.wait_for_timeout(200)
        page.reload()


def test_an_owner_registers_an_endpoint_sees_the_secret_once_and_replays_a_delivery(live_server, db, factory,
                                                                                  browser):
    receiver = Receiver()
    try:
        org = factory.organization(name="Acme")
        owner = factory.user(org, Role.OWNER, email="owner@example.com")
        project = factory.project(org, name="Website")
        page = browser.new_page()
        sign_in(page, live_server, owner.email)

        page.goto(f"{live_server}/organizations/{org.id}")
        page.get_by_test_id("webhooks-link").click()
        expect(page.get_by_test_id("no-webhooks")).to_be_visible()
        page.get_by_test_id("webhook-url").fill(receiver.url)
        page.get_by_test_id("create-webhook").click()  # no event chosen: 422, the error beside the checkboxes
        expect(page.get_by_test_id("webhook-events").locator(".error")).to_have_text("Choose at least one event.")

        page.get_by_label("time_entry.created").check()
        page.get_by_test_id("webhook-description").fill("Invoicing")
        page.get_by_test_id("create-webhook").click()
        secret = page.get_by_test_id("new-secret-value")
        expect(secret).to_be_visible()
        value = secret.input_value()
        assert value.startswith("whsec_")
        expect(page.get_by_test_id("no-deliveries")).to_be_visible()
        page.reload()  # shown once
        expect(page.get_by_test_id("new-secret")).to_have_count(0)
        assert value not in page.content()

        start = utcnow() - timedelta(hours=2)
        entry = entries.create_entry(owner, EntryData(project=project, start_time=start,
                                                      end_time=start + timedelta(hours=1), description="Launch",
                                                      billable=True))
        entry_id = entry.id
        row = page.get_by_test_id("delivery-row")
        _reload_until(page, lambda: row.count() == 1 and row.get_by_test_id("delivery-status").inner_text()
                      == "succeeded")
        expect(row).to_contain_text("time_entry.created")
        [request] = receiver.requests
        assert readme_verify()(value, request["headers"]["Timeboard-Signature"], request["body"])
        body = json.loads(request["body"])
        assert body["data"]["id"] == entry_id and body["data"]["description"] == "Launch"

        row.get_by_test_id("replay-delivery").click()
        expect(page.locator(".flash")).to_contain_text("1 delivery queued again.")
        receiver.wait_for(2)
        assert [json.loads(r["body"])["id"] for r in receiver.requests] == [body["id"], body["id"]]
        _reload_until(page, lambda: row.locator("td").nth(3).inner_text() == "2")  # attempts
        expect(row.get_by_test_id("delivery-status")).to_have_text("succeeded")
    finally:
        receiver.close()
