"""During a Redis outage every page answers within a second, for the whole outage (issue 17): Redis killed
(connections refused) and Redis hung (SIGSTOP: the kernel still accepts connections, nothing answers), against a
real gunicorn web process. Requests use short timeouts, no retries, and a breaker: after one failure, calls fail at
once (app/redis_client.py); the rate limiter's storage goes through the same connections."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from app.models import Role
from tests.conftest import redis_fault_drill
from tests.integration.test_dashboard_streams import session_cookie
from tests.integration.test_redis_outage import RedisServer
from tests.processes import Process, free_port, wait_for_http

BOUND = 1.0  # seconds: the bound for every page during an outage
OUTAGE = 20  # seconds of each outage


@pytest.fixture()
def own_redis():
    server = RedisServer()
    yield server
    if server.proc.poll() is None:
        os.kill(server.proc.pid, signal.SIGCONT)  # never leave it stopped
    server.stop()


def _timed(opener, request) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=10) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return status, time.perf_counter() - started


class Visitor:
    """A browser of a signed-in user (a signed session cookie) and of a signed-out one (a cookie jar: the login
    form's CSRF token), visiting every kind of page in turn."""

    def __init__(self, base: str, cookie: str, pages: list[str]):
        self.base, self.cookie, self.pages = base, cookie, pages
        self.signed_in = urllib.request.build_opener()
        self.jar = http.cookiejar.CookieJar()
        self.anonymous = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.timings: list[tuple[str, int, float]] = []

    def round(self) -> None:
        for path in self.pages:
            request = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie})
            status, seconds = _timed(self.signed_in, request)
            self.timings.append((path, status, seconds))
        status, seconds = _timed(self.anonymous, urllib.request.Request(self.base + "/login"))
        self.timings.append(("/login", status, seconds))
        with self.anonymous.open(self.base + "/login", timeout=10) as page:
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "email": "owner@outage.test", "password": "wrong"})
        status, seconds = _timed(self.anonymous, urllib.request.Request(self.base + "/login", data=form.encode()))
        self.timings.append(("POST /login (rate limited)", status, seconds))

    def during(self, seconds: float) -> list[tuple[str, int, float]]:
        self.timings = []
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            self.round()
        return self.timings


@pytest.fixture()
def visitor(app, db, factory, own_redis):
    org = factory.organization()
    owner = factory.user(org, Role.OWNER, email="owner@outage.test", is_system_admin=True)
    team = factory.team(org)
    project = factory.project(org, team)
    factory.time_log(owner, project)
    port = free_port()
    web = Process([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"], f"web-{port}",
                  PORT=port, WEB_CONCURRENCY=1, WEB_THREADS=8, REDIS_URL=own_redis.url,
                  RATELIMIT_STORAGE_URI=own_redis.url)
    base = f"http://127.0.0.1:{port}"
    pages = ["/dashboard", f"/dashboard/org/{org.id}", f"/dashboard/team/{team.id}", "/dashboard/system",
             "/time-logs", "/projects", "/reports", "/jobs", "/notifications", "/settings", f"/organizations/{org.id}"]
    try:
        wait_for_http(base + "/healthz")
        visit = Visitor(base, session_cookie(app, owner.id), pages)
        visit.round()  # warm: templates compiled, connections open
        failing = [t for t in visit.timings if t[1] >= 500 or (t[1] >= 400 and not t[0].startswith("POST"))]
        assert not failing, (failing, web.output()[-3000:])
        yield visit
    finally:
        web.stop()


def _slow(timings) -> list:
    return [(path, status, round(seconds, 3)) for path, status, seconds in timings if seconds >= BOUND]


@pytest.mark.timeout(180)
@redis_fault_drill
def test_every_page_answers_within_a_second_while_redis_is_down(visitor, own_redis):
    own_redis.stop()
    timings = visitor.during(OUTAGE)
    assert len(timings) >= 3 * 13, len(timings)  # several rounds of every page
    assert not _slow(timings), _slow(timings)
    assert all(status < 500 or status == 503 for _, status, _ in timings), timings
    assert all(status == 200 for path, status, _ in timings if path in ("/dashboard", "/time-logs", "/login"))

    own_redis.start()  # back: pages still answer, and the breaker lets requests use Redis again
    time.sleep(1.5)
    timings = visitor.during(3)
    assert not _slow(timings) and all(s == 200 for p, s, _ in timings if not p.startswith("POST")), timings


@pytest.mark.timeout(180)
@redis_fault_drill
def test_every_page_answers_within_a_second_while_redis_hangs(visitor, own_redis):
    os.kill(own_redis.proc.pid, signal.SIGSTOP)  # connections are still accepted; nothing is answered
    try:
        timings = visitor.during(OUTAGE)
    finally:
        os.kill(own_redis.proc.pid, signal.SIGCONT)
    assert len(timings) >= 3 * 13, len(timings)
    assert not _slow(timings), _slow(timings)
    assert all(status < 500 or status == 503 for _, status, _ in timings), timings
    assert all(status == 200 for path, status, _ in timings if path in ("/dashboard", "/time-logs", "/login"))
