"""Installable, with a timer that works offline (issue 24), shown the way a person on a train meets it: the page is
open, the connection goes (here the web process itself stops, so the page and its service worker both find
nothing there), they stop the timer, open another page, start a timer on the page the device kept, and when
Timeboard answers again everything is sent with the times they made it, and the page says what was saved.

The web process is this test's own (it is stopped and started again on the same port, keeping the origin and so
the device's storage); its pages stream through its own /turbo-stream, which goes with it."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import Role, TimeLog, utcnow
from tests.conftest import launch_web, stop_all
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e

QUEUE = """JSON.parse(localStorage.getItem(Object.keys(localStorage)
  .find((key) => key.startsWith("timeboard:offline-timer:"))) || "[]")"""

KEPT = "caches.match('/time-logs', {cacheName: 'timeboard-pages'}).then((copy) => copy !== undefined)"
SHELL = """caches.open("timeboard-shell-v1").then((cache) => Promise.all(
  ["/static/js/application.js", "/static/js/controllers/offline_timer_controller.js", "/static/css/app.css"]
    .map((file) => cache.match(file)))).then((copies) => copies.every((copy) => copy !== undefined))"""


def _utc(at: str) -> datetime:
    """A queued change's moment (the browser's ISO string) as the naive UTC second the server keeps."""
    return datetime.fromisoformat(at.replace("Z", "+00:00")).replace(tzinfo=None, microsecond=0)


def test_the_timer_works_offline_and_its_changes_arrive_with_their_own_times(live_server, factory, browser):
    org = factory.organization(name="Acme")
    person = factory.user(org, Role.MEMBER, email="train@example.com")
    website = factory.project(org, name="Website")
    factory.project(org, name="Mobile app")
    running = factory.time_log(person, website, start=(utcnow() - timedelta(hours=1)).replace(microsecond=0),
                               minutes=None, description="Homepage")
    started: list = []
    base = launch_web(started, 1)
    try:
        page = browser.new_context(service_workers="allow").new_page()
        sign_in(page, base, person.email)
        page.wait_for_function("navigator.serviceWorker.controller !== null")  # installed from the sign-in page
        # to the timer page as people go there, by a link (a Turbo Drive visit): the worker keeps what it fetched
        page.get_by_role("link", name="Time", exact=True).first.click()
        expect(page.get_by_test_id("start-timer-form")).to_be_visible()
        deadline = time.monotonic() + 10  # and the files its first page loaded before the worker took over
        while not page.evaluate(f"Promise.all([{KEPT}, {SHELL}]).then((kept) => kept.every(Boolean))") \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert page.evaluate(KEPT) and page.evaluate(SHELL)

        # installable: a manifest with a name, a start page and icons that load
        manifest = page.request.get(base + page.locator('link[rel="manifest"]').get_attribute("href"))
        assert manifest.headers["content-type"].startswith("application/manifest+json")
        body = manifest.json()
        assert body["name"] == "Timeboard" and body["display"] == "standalone" and body["start_url"] == "/time-logs"
        assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}
        for icon in body["icons"]:
            assert page.request.get(base + icon["src"]).headers["content-type"] == "image/png"

        stop_all(started)  # the connection goes
        started.clear()
        page.get_by_test_id("stop-timer").click()
        expect(page.get_by_test_id("offline-stopped")).to_contain_text("Stopped at")
        expect(page.get_by_test_id("offline-pending")).to_have_text("1 change waiting to sync")
        expect(page.get_by_test_id("header-timer")).to_be_hidden()  # the server's timer is no longer the truth

        page.goto(base + "/reports")  # a page the device has no copy of
        expect(page.get_by_test_id("offline-page")).to_contain_text("You are offline")
        page.get_by_test_id("offline-timer-link").click()  # the timer page, as the device kept it
        expect(page.get_by_test_id("offline-pending")).to_have_text("1 change waiting to sync")
        page.locator("#timer-project").select_option(label="Mobile app")
        page.locator("#timer-description").fill("On the train")
        page.get_by_test_id("start-timer").click()
        expect(page.get_by_test_id("offline-project")).to_have_text("Mobile app")
        expect(page.get_by_test_id("offline-elapsed")).to_have_text(re.compile(r"^0:00:\d\d$"))  # ticking
        expect(page.get_by_test_id("offline-pending")).to_have_text("2 changes waiting to sync")
        stop, start = page.evaluate(QUEUE)
        assert (stop["kind"], start["kind"], start["description"]) == ("stop", "start", "On the train")

        time.sleep(1.1)  # a second or more passes before the connection is back
        back = utcnow().replace(microsecond=0)
        launch_web(started, 1, port=urlsplit(base).port)
        expect(page.get_by_text("Timer started on Mobile app at")).to_be_visible(timeout=20_000)
        expect(page.get_by_text("60 min on Website")).to_be_visible()
        expect(page.get_by_test_id("offline-timer")).to_be_hidden()
        expect(page.get_by_test_id("timer-project")).to_have_text("Mobile app")  # the server's timer again
        assert page.evaluate(QUEUE) == []

        factory.db.session.expire_all()
        ended = factory.db.session.get(TimeLog, running.id)
        now = factory.db.session.scalars(select(TimeLog).where(TimeLog.user_id == person.id,
                                                                TimeLog.end_time.is_(None))).one()
        assert ended.end_time == _utc(stop["at"]) < back  # when they pressed Stop, not when it arrived
        assert now.start_time == _utc(start["at"]) < back and now.description == "On the train"

        # signing out drops the copy of the person's timer page the device kept for offline use
        assert page.evaluate(KEPT)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/login**")
        deadline = time.monotonic() + 10
        while page.evaluate(KEPT) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not page.evaluate(KEPT)
    finally:
        stop_all(started)


def test_on_a_phone_that_loses_its_signal_a_stop_waits_and_is_sent_when_it_is_back(live_server, factory, browser):
    """The browser itself says offline (airplane mode), then online: the change goes at once, and the header, on a
    phone's width, shows what waits without scrolling sideways."""
    org = factory.organization(name="Acme")
    person = factory.user(org, Role.MEMBER, email="phone@example.com")
    website = factory.project(org, name="Website")
    running = factory.time_log(person, website, start=(utcnow() - timedelta(minutes=30)).replace(microsecond=0),
                               minutes=None)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, person.email)
    page.goto(live_server + "/time-logs")
    context.set_offline(True)
    page.get_by_test_id("stop-timer").first.click()
    expect(page.get_by_test_id("offline-pending")).to_have_text("1 change waiting to sync")
    expect(page.get_by_test_id("offline-stopped")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "offline-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    (stop,) = page.evaluate(QUEUE)
    time.sleep(1)
    context.set_offline(False)
    expect(page.get_by_text("30 min on Website")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("offline-timer")).to_be_hidden()
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, running.id).end_time == _utc(stop["at"])
