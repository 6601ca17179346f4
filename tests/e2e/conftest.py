"""Playwright on Debian's Chromium (Playwright cannot download its own browser here).

`live_server` starts a real gunicorn web process and a real RQ worker against the test database
and Redis; every web process started here sends its pages' sockets to a real stream gateway
(STREAM_URL=":<gateway port>/turbo-stream", as bin/dev does), so every browser test runs through it.
Screenshots go to test-artifacts/ (kept by CI as the run's artifacts).
"""
from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import pytest

from tests.conftest import TEST_LEG, launch_gateway, launch_web, launch_workers, stop_all

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# On the PostgreSQL leg of .ci/run (TEST_LEG=postgres) the browser walks through the flows whose outcome rests on the
# database itself: sums per day and week in the organization's time zone, approvals and locks, gapless invoice
# numbers, rates, imports. The others show a person the outcome of paths that the integration tests cover on both
# databases; the SQLite leg walks through them.
DATABASE_WALKS = {"test_approvals.py", "test_billing.py", "test_imports.py", "test_invoices.py", "test_timesheet.py",
                  "test_time_tracking.py"}
# ... and the accessibility audit, whose outcome does not rest on the database: it runs there alone (its file says so),
# which keeps the two legs' times level
POSTGRES_WALKS = DATABASE_WALKS | {"test_accessibility.py"}


def pytest_collection_modifyitems(config, items):
    if TEST_LEG != "postgres":
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="its database paths run on both legs in tests/integration: the sqlite leg walks it")
    for item in items:
        if item.path.parent == here and item.path.name not in POSTGRES_WALKS:
            item.add_marker(skip)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def fail_on_csp_violation(monkeypatch):
    """Every browser context of a test reports Content-Security-Policy violations; any fails the test.

    Chromium fires a `securitypolicyviolation` event for each refused script, style or connection
    (its own "Refused to ..." log lines do not reach Playwright's console event): an init script in
    every page turns the event into a console error, which is collected here.
    """
    from playwright.sync_api import Browser

    violations: list[str] = []
    original = Browser.new_context

    def watch(message) -> None:
        if message.type == "error" and message.text.startswith("CSP violation:"):
            violations.append(f"{message.text} ({message.location.get('url')})")

    def new_context(self, *args, **kwargs):
        # our service worker (static/js/service_worker.js) stays out of the tests that are not about it: they show
        # what a page does with its server, and test_offline.py asks for it ("allow") to show what it adds
        kwargs.setdefault("service_workers", "block")
        context = original(self, *args, **kwargs)
        context.add_init_script(CSP_LISTENER)
        context.on("console", watch)
        return context

    monkeypatch.setattr(Browser, "new_context", new_context)
    yield violations
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`)
})"""


@pytest.fixture()
def gateway(start_gateway):
    """The stream gateway the pages of this test connect to."""
    return start_gateway()


@pytest.fixture()
def start_web(start_web, gateway):
    """Web processes whose pages stream through the gateway (a test may name another one in STREAM_URL)."""
    def start(workers: int = 1, **env) -> str:
        env.setdefault("STREAM_URL", stream_url(gateway.port))
        return start_web(workers, **env)

    return start


def stream_url(port: int) -> str:
    return f":{port}/turbo-stream"


@pytest.fixture(scope="package")
def shared_server(app):
    """One stream gateway, web process and set of workers shared by every browser test (starting them costs
    seconds of both cores each time), stopped when the browser tests end. Each test still starts from an empty
    database and an empty Redis, and the processes keep no state of their own between tests: see live_server.
    A test that needs processes of its own (another configuration, one to kill) starts them with start_web,
    start_gateway or start_workers; a job it must keep from these workers goes on a queue they do not serve."""
    started: list = []
    try:
        gateway = launch_gateway(started)
        base = launch_web(started, 1, STREAM_URL=stream_url(gateway.port))
        launch_workers(started, APP_URL=base)  # links in e-mails lead to this web process
        yield base
    finally:
        stop_all(started)


@pytest.fixture()
def live_server(shared_server, db, redis_conn, browser):
    """Base URL of a running web process, with workers serving every queue but seeding (the run's shared ones).

    After the test it closes every browser context the test opened (no page of this test goes on talking
    to the shared server, with a session cookie that could name a user of the next test), waits until the
    workers have finished what the test queued (no job of this test runs into the next one's records); then
    `db` empties the database and `_clean_redis` Redis. The processes keep no state of their own between
    tests: sessions, caches, presence and rate limits live in Redis, records in the database."""
    yield shared_server
    for context in list(browser.contexts):
        context.close()
    wait_for_idle_workers(redis_conn)


def wait_for_idle_workers(connection, timeout: float = 30) -> None:
    """Until no job is queued, running, or scheduled within the next few seconds on a queue the workers serve
    (and that the test did not leave paused)."""
    from rq import Queue
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    from app.background import pause
    from app.background.catalog import DASHBOARD_WORKER_QUEUES, MAIL_WORKER_QUEUES, MAIN_WORKER_QUEUES
    served = set(DASHBOARD_WORKER_QUEUES + MAIL_WORKER_QUEUES + MAIN_WORKER_QUEUES) - pause.paused(connection)
    queues = [Queue(name, connection=connection) for name in sorted(served)]
    deadline = time.time() + timeout
    while time.time() < deadline:
        soon = time.time() + 5
        busy = [q.name for q in queues if q.count or StartedJobRegistry(queue=q).count
                or connection.zcount(ScheduledJobRegistry(queue=q).key, 0, soon)]
        if not busy:
            return
        time.sleep(0.1)
    warnings.warn(f"the workers were still busy after {timeout:.0f} s:\n{workers_report(connection)}", stacklevel=2)


def workers_report(connection) -> str:
    """What the workers and queues are doing, for a test's failure message when a job did not run in time."""
    from rq import Queue, Worker

    from app.background import pause
    lines = [f"paused: {sorted(pause.paused(connection)) or 'none'}"]
    for worker in Worker.all(connection=connection):
        lines.append(f"worker {worker.name} on {','.join(worker.queue_names())}: {worker.get_state()}, job "
                     f"{worker.get_current_job_id()}, last heartbeat {worker.last_heartbeat}")
    for queue in Queue.all(connection=connection):
        lines.append(f"queue {queue.name}: {queue.count} queued, {queue.started_job_registry.count} started")
    return "\n".join(lines)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base: str, email: str, password: str = "password") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def backdate_running_timers(db, minutes: int = 2) -> None:
    """Move every running timer's start back: a timer stopped under a minute is not kept, and a test that stops
    one to see it kept must not wait a minute."""
    from datetime import timedelta

    from sqlalchemy import select

    from app.models import TimeLog

    db.session.expire_all()
    for log in db.session.scalars(select(TimeLog).where(TimeLog.end_time.is_(None))):
        log.start_time -= timedelta(minutes=minutes)  # in Python: SQLite stores datetimes as text
    db.session.commit()


class HeldRequests:
    """The page's requests to a path, held before they reach the server until the test lets each go: what a page
    does while one of its forms is on its way (its own streams arriving, a refresh coming due)."""

    def __init__(self, page, path_pattern: str):
        self.page = page
        self.routes = []
        page.route(re.compile(path_pattern), lambda route: self.routes.append(route))

    def wait(self, what: str = "the request") -> None:
        for _ in range(100):
            if self.routes:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"{what} never left the page")

    def release(self) -> None:
        self.routes.pop(0).continue_()


def settle_streams(page, quiet_ms: int = 400, timeout_ms: int = 5000) -> None:
    """Until the page has rendered no Turbo Stream, and run no visit or refresh, for quiet_ms. A change's own
    broadcast (the header timer, sent to every tab of the person) can land after the page that made the change has
    rendered, replacing the element a test is about to click or has just opened; a pushed page refresh renders the
    page again, emptying what was typed: a test that acts right after a change waits for it first."""
    page.evaluate("""() => {
      if (!window.__streamWatch) {
        window.__streamWatch = true
        const seen = () => { window.__lastStream = performance.now() }
        for (const name of ["turbo:before-stream-render", "turbo:before-fetch-request", "turbo:render",
                            "turbo:morph", "turbo:load"]) document.addEventListener(name, seen)
      }
      window.__settleFrom = performance.now()
    }""")
    page.wait_for_function(
        """quiet => !document.documentElement.hasAttribute("aria-busy")
                    && performance.now() - Math.max(window.__settleFrom, window.__lastStream || 0) > quiet""",
        arg=quiet_ms, timeout=timeout_ms)
