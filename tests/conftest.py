"""Fixtures, chained: redis server → app (migrated database) → db (emptied after each test) → factories.

Everything is real: a redis-server on a free port, SQLite in a temporary file (or the PostgreSQL
database named by DATABASE_URL), RQ workers that really run jobs.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis as redis_lib

ROOT = Path(__file__).resolve().parent.parent
_TMP = Path(tempfile.mkdtemp(prefix="timeboard-tests-"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(_TMP)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis_lib.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            return proc, url
        except redis_lib.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


# The environment is set before any app exists, so the app in this process and every subprocess
# (web servers, workers) agree on the database and Redis.
_REDIS_PROC, REDIS_URL = _start_redis()
os.environ["REDIS_URL"] = REDIS_URL
os.environ["APP_ENV"] = "test"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP / 'test.sqlite3'}")
os.environ["DASHBOARD_DEBOUNCE_SECONDS"] = os.environ.get("DASHBOARD_DEBOUNCE_SECONDS", "0.5")
DATABASE_URL = os.environ["DATABASE_URL"]
IS_POSTGRES = DATABASE_URL.startswith("postgres")


def pytest_sessionfinish(session, exitstatus):
    _REDIS_PROC.terminate()
    shutil.rmtree(_TMP, ignore_errors=True)


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
def client(app, db):
    return app.test_client()


@pytest.fixture()
def csrf_app():
    """A second app with CSRF on, for the tests that check it."""
    from app import create_app

    return create_app({"WTF_CSRF_ENABLED": True})


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

    from app.services.job_queue import get_queue
    from app.services.redis_conn import get_redis
    from jobs.queues import ALL

    def run(queues=ALL, with_scheduler: bool = False) -> bool:
        worker = SimpleWorker([get_queue(q) for q in queues], connection=get_redis())
        return worker.work(burst=True, with_scheduler=with_scheduler)

    return run


# -- processes ------------------------------------------------------------------------------------
def _env(**extra) -> dict:
    env = dict(os.environ)
    env.update({"PYTHONUNBUFFERED": "1", "FLASK_APP": "wsgi", "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wait_for_http(url: str, timeout: float = 20) -> None:
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class Process:
    def __init__(self, args: list[str], log_name: str, **env):
        self.log_path = _TMP / f"{log_name}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=_env(**env), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture()
def start_web(app):
    """Start a real web process (gunicorn, gthread) on a free port; returns its base URL."""
    started: list[Process] = []

    def start(workers: int = 1) -> str:
        port = free_port()
        proc = Process([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                       f"web-{port}", PORT=port, WEB_CONCURRENCY=workers, WEB_THREADS=16)
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(base + "/healthz")
        except RuntimeError:
            raise RuntimeError(proc.output()) from None
        return base

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture()
def start_worker(app):
    """Start a real forking RQ worker process (`flask jobs worker`) on the given queues."""
    started: list[Process] = []

    def start(*queues: str, name: str | None = None) -> Process:
        args = [sys.executable, "-m", "flask", "jobs", "worker", *queues]
        if name:
            args += ["--name", name]
        proc = Process(args, f"worker-{len(started)}-{time.time():.0f}")
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
