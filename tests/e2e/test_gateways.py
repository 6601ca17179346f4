"""In Chromium: two web processes, each sending its pages to a different stream gateway; one change
reaches the pages on both, because every gateway delivers what is published on Redis; and the pages
acknowledge sampled streams once applied, which the gateway counts as its publish-to-applied latency."""
from __future__ import annotations

import time
import urllib.request

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import sign_in, stream_url

pytestmark = pytest.mark.e2e


def test_pages_on_two_gateways_both_see_one_live_update(start_web, start_gateway, start_workers, factory, browser):
    org = factory.organization(name="Acme")
    team = factory.team(org, name="Alpha")
    member = factory.user(org, Role.MEMBER, teams=[team], email="member@example.com")
    factory.project(org, team=team, name="Website relaunch")
    # every stream sampled on the first gateway, none on the second (its default, 0.1, samples one in ten at random)
    first_gateway, second_gateway = start_gateway(GATEWAY_LATENCY_SAMPLE=1), start_gateway(GATEWAY_LATENCY_SAMPLE=0)
    first = start_web(STREAM_URL=stream_url(first_gateway.port))
    second = start_web(STREAM_URL=stream_url(second_gateway.port))
    start_workers()

    pages = []
    for base, gateway in ((first, first_gateway), (second, second_gateway)):
        page = browser.new_context().new_page()
        sign_in(page, base, member.email)
        page.goto(f"{base}/organizations")
        expect(page.locator('meta[name="stream-url"]')).to_have_attribute(
            "content", f"ws://127.0.0.1:{gateway.port}/turbo-stream")
        expect(page.get_by_test_id("stream-status")).to_have_text("live")
        expect(page.get_by_test_id("header-timer").get_by_test_id("no-timer")).to_be_visible()
        pages.append(page)

    starter = browser.new_context().new_page()  # the same member, a third browser, on the first web process
    sign_in(starter, first, member.email)
    starter.goto(f"{first}/time-logs")
    starter.get_by_test_id("start-timer").click()

    for page in pages:  # arrived by stream, one through each gateway
        expect(page.get_by_test_id("header-timer").get_by_test_id("timer-project")).to_have_text("Website relaunch")

    # every stream sampled on the first gateway: its pages said when Turbo had applied the header's
    applied = 'timeboard_gateway_applied_latency_seconds_count{kind="user"}'
    deadline = time.time() + 10
    while applied_count(first_gateway.port, applied) < 2 and time.time() < deadline:  # the page and the starter's
        time.sleep(0.1)
    assert applied_count(first_gateway.port, applied) >= 2
    assert applied_count(second_gateway.port, applied) == 0  # not sampled there
    for page in (*pages, starter):
        page.context.close()


def applied_count(port: int, series: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(series))
