"""Fixtures, chained: redis server → app (migrated database) → db (emptied after each test) → factories.

Everything is real: a redis-server on a free port, SQLite in a temporary file (or the PostgreSQL
database named by DATABASE_URL), RQ workers that really run jobs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis as redis_lib

from tests.processes import TMP, Process, free_port, start_redis, wait_for_http

# The environment is set before any app exists, so the app in this process and every subprocess
# (web servers, workers) agree on the database and Redis.
_REDIS_PROC, REDIS_URL = start_redis()
os.environ["REDIS_URL"] = REDIS_URL
os.environ["APP_ENV"] = "test"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP / 'test.sqlite3'}")
os.environ["OUTBOX_DIR"] = str(TMP / "outbox")  # mail without an SMTP server (app/notifications/mail.py)
os.environ.setdefault("REPORTS_DIR", str(TMP / "reports"))  # report files of the app and its subprocesses
os.environ["TIMEBOARD_LANGUAGE"] = "en"  # the CLI speaks English whatever the machine's LANG
# The catalogs as the .po files say now (bin/setup compiles them too): a run never reads stale ones.
subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "compile", "-d",
                str(Path(__file__).resolve().parents[1] / "app" / "translations")], check=True, capture_output=True)
os.environ["DASHBOARD_THROTTLE_SECONDS"] = os.environ.get("DASHBOARD_THROTTLE_SECONDS", "0.5")
DATABASE_URL = os.environ["DATABASE_URL"]
IS_POSTGRES = DATABASE_URL.startswith("postgres")
# .ci/run runs the suite twice side by side, on SQLite and on PostgreSQL, naming each run's leg in TEST_LEG. A test
# whose outcome does not depend on the database runs on one leg only; without TEST_LEG (bin/test on a developer's
# machine) every test runs.
TEST_LEG = os.environ.get("TEST_LEG", "")


def only_on_leg(leg: str, why: str):
    return pytest.mark.skipif(bool(TEST_LEG) and TEST_LEG != leg, reason=f"{why}: the {leg} leg runs it")


# A benchmark builds its own SQLite databases whatever DATABASE_URL says: its smoke test is the same run on either leg.
own_databases = only_on_leg("sqlite", "the benchmark runs on its own SQLite databases")
# A drill of the whole set of processes through a Redis fault (half a minute of both cores each): how web, workers
# and scheduler ride out Redis going away is the same on either database. The database-side of a fault (jobs queued
# again from their rows) runs on both legs.
redis_fault_drill = only_on_leg("postgres", "a Redis fault drill, the same on either database")


def pytest_sessionfinish(session, exitstatus):
    _REDIS_PROC.stop()
    shutil.rmtree(TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def app():
    from flask_migrate import downgrade, upgrade

    from app import create_app
    app = create_app({"RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if IS_POSTGRES:
            downgrade(revision="base")  # a database left over from an earlier run starts empty
        upgrade()
    return app


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture()
def db(app_ctx):
    from app.extensions import db as _db
    yield _db
    _db.session.remove()
    _empty_database(_db)


def _empty_database(_db) -> None:
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_redis():
    yield
    redis_lib.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture()
def redis_conn():
    return redis_lib.Redis.from_url(REDIS_URL)


@pytest.fixture()
def watch(redis_conn):
    """watch(*topics): a page has these topics open (their presence is marked, as its socket's would be), so
    jobs render and publish for them (app/live/presence.py). A test listening on the relay channel models such
    a page."""
    from app.live.presence import mark_watched
    def mark(*topics) -> None:
        mark_watched(topics, redis_conn)

    return mark


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def csrf_app():
    """A second app with CSRF on, for the tests that check it."""
    from app import create_app
    return create_app({"WTF_CSRF_ENABLED": True})


@pytest.fixture()
def mail_outbox(app):
    """The outbox directory (mail without an SMTP server), emptied before and after the test."""
    from tests.mailbox import empty_outbox

    empty_outbox(app.config["OUTBOX_DIR"])
    yield app.config["OUTBOX_DIR"]
    empty_outbox(app.config["OUTBOX_DIR"])


# -- factories ------------------------------------------------------------------------------------
@pytest.fixture()
def factory(db):
    from tests.factories import Factory

    return Factory(db)


def login(client, user, password: str = "password"):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture()
def run_jobs(app_ctx):
    """Run every queued job with a real RQ SimpleWorker (same process), until the queues are empty."""
    from rq import SimpleWorker

    from app.background.catalog import QUEUES
    from app.background.enqueue import get_queue
    from app.redis_client import get_redis
    def run(queues=QUEUES, with_scheduler: bool = False) -> bool:
        worker = SimpleWorker([get_queue(q) for q in queues], connection=get_redis())
        return worker.work(burst=True, with_scheduler=with_scheduler)

    return run


# -- real processes: the launchers, and fixtures that stop what they started ------------------------------
def launch_web(started: list[Process], workers: int = 1, port: int | None = None, **env) -> str:
    """A real web process (gunicorn, gthread) on `port` (a free one by default), added to `started`; returns its
    base URL."""
    port = port or free_port()
    proc = Process([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                   f"web-{port}", PORT=port, WEB_CONCURRENCY=workers, WEB_THREADS=16, **env)
    started.append(proc)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/healthz")
    except RuntimeError:
        raise RuntimeError(proc.output()) from None
    return base


def launch_gateway(started: list[Process], port: int | None = None, processes: int = 1, **env) -> Process:
    """A real stream gateway (`flask gateway`, with `processes` processes on its port), added to `started`;
    returned with its .port once /healthz answers."""
    port = port or free_port()
    env.setdefault("GATEWAY_SAME_HOST_ANY_PORT", "1")  # as bin/dev: pages on the web process's port
    proc = Process([sys.executable, "-m", "flask", "gateway", "--port", str(port), "--processes", str(processes)],
                   f"gateway-{port}-{len(started)}", **env)
    proc.port = port
    started.append(proc)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz")
    except RuntimeError:
        raise RuntimeError(proc.output()) from None
    return proc


def launch_worker(started: list[Process], *queues: str, name: str | None = None, fork: bool = True,
                  **env) -> Process:
    """A real RQ worker process (`flask jobs worker`) on the given queues, forking unless fork=False, with env
    overrides as keywords (its environment may differ from the web's: PORT, APP_URL...)."""
    args = [sys.executable, "-m", "flask", "jobs", "worker", *queues]
    if name:
        args += ["--name", name]
    if not fork:
        args.append("--no-fork")
    proc = Process(args, f"worker-{len(started)}-{time.time():.0f}", **env)
    started.append(proc)
    return proc


def launch_workers(started: list[Process], **env) -> tuple[Process, Process, Process]:
    """The Procfile's job workers but the seeding one: the dashboard and account-mail workers (no fork) and the
    main worker, with env overrides as keywords (APP_URL: the web process they build links to)."""
    from app.background.catalog import DASHBOARD_WORKER_QUEUES, MAIL_WORKER_QUEUES, MAIN_WORKER_QUEUES
    return (launch_worker(started, *DASHBOARD_WORKER_QUEUES, fork=False, **env),
            launch_worker(started, *MAIL_WORKER_QUEUES, fork=False, **env),
            launch_worker(started, *MAIN_WORKER_QUEUES, **env))


TEARDOWN_GRACE = 3  # seconds a stopping process may take before it is hurried: its test is over


def stop_all(started: list[Process]) -> None:
    """Ask every process to stop at once, then wait for each: their graceful shutdowns overlap. One still busy
    after TEARDOWN_GRACE (a worker in the middle of a long job) is hurried, so no test waits for work it left."""
    for proc in started:
        proc.request_stop()
    deadline = time.monotonic() + TEARDOWN_GRACE
    for proc in started:
        try:
            proc.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.hurry()
    for proc in started:
        proc.stop()


@pytest.fixture()
def start_web(app):
    """Start a real web process (gunicorn, gthread) on a free port; returns its base URL."""
    started: list[Process] = []
    yield lambda workers=1, **env: launch_web(started, workers, **env)
    stop_all(started)


@pytest.fixture()
def start_gateway(app):
    """Start a real stream gateway (`flask gateway`) on a free port (or `port`, to start one again after a
    restart), with `processes` processes, and env overrides as keywords; returns the Process, with its .port, once
    /healthz answers."""
    started: list[Process] = []
    yield lambda port=None, processes=1, **env: launch_gateway(started, port, processes, **env)
    stop_all(started)


@pytest.fixture()
def start_worker(app):
    """Start a real RQ worker process (`flask jobs worker`) on the given queues, forking unless fork=False, with env
    overrides as keywords (its environment may differ from the web's: PORT, APP_URL...)."""
    started: list[Process] = []
    yield lambda *queues, name=None, fork=True, **env: launch_worker(started, *queues, name=name, fork=fork, **env)
    stop_all(started)


@pytest.fixture()
def start_workers(app):
    """Start the Procfile's job workers but the seeding one: the dashboard and account-mail workers (no fork) and
    the main worker (see launch_workers)."""
    started: list[Process] = []
    yield lambda **env: launch_workers(started, **env)
    stop_all(started)


@pytest.fixture()
def api(client):
    """api(user, scope="write"): an API client with a new token of that user (tests/api.py checks every answer
    against the OpenAPI document)."""
    from tests.api import Api, make_token

    def for_user(user, scope: str = "write", expires_days: int | None = None) -> Api:
        return Api(client, make_token(user, scope, expires_days))

    return for_user
