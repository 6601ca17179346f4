"""A Redis outage takes nothing down: the whole Procfile under honcho rides out 30 s without Redis and
resumes by itself; pages that need Redis degrade (200 or a clear 503, never a 500); open pages are told
that live updates are paused, and "live" again once their gateway has resubscribed.

Each test runs its own redis-server (not the session's), since it kills it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis as redis_lib

from app.background import recurring
from app.models import JobStatus, utcnow
from tests.conftest import login, redis_fault_drill
from tests.integration.test_dashboard_streams import wait_for as wait_for_message
from tests.processes import ROOT, TMP, Process, free_port, process_env, wait_for_http
from tests.sockets import open_socket, session_cookie

OUTAGE_SECONDS = 30  # how long Redis stays down in the Procfile test (issue #7)


class RedisServer:
    """A redis-server of this test's own, stopped and started again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(TMP)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                self.client().ping()
                return
            except redis_lib.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def client(self) -> redis_lib.Redis:
        return redis_lib.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)


@pytest.fixture()
def own_redis():
    server = RedisServer()
    yield server
    server.stop()


def get(base: str, path: str, cookie: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def eventually(check, timeout: float, every: float = 0.5):
    """check()'s first truthy result within timeout, else None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    return None


def _safe(check):
    def run():
        try:
            return check()
        except redis_lib.RedisError:
            return None
    return run


# -- 1. the Procfile under honcho ----------------------------------------------------------------------
@pytest.mark.timeout(240)
@redis_fault_drill
def test_the_whole_procfile_rides_out_a_30s_redis_outage_and_resumes_by_itself(app, db, factory, own_redis):
    """honcho runs web, gateway, the four workers and scheduler; Redis is killed for OUTAGE_SECONDS and
    started again, empty, on the same port; no process is restarted by hand."""
    member = factory.user(factory.organization())
    cookie = session_cookie(app, member.id)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    honcho = Process([str(Path(sys.executable).parent / "honcho"), "start", "-f", "Procfile", "-p", str(port)],
                     f"honcho-{port}", REDIS_URL=own_redis.url, WEB_CONCURRENCY=1, WEB_THREADS=8,
                     GATEWAY_PORT=free_port())
    enabled_ids = sorted(e.id for e in recurring.RECURRING if e.is_enabled())
    r = own_redis.client()

    def ready() -> bool:
        scheduled = [m.decode() for m in r.zrange("rq:scheduler:scheduled_jobs", 0, -1)]
        return sorted(scheduled) == enabled_ids and r.scard("rq:workers") == 4

    try:
        wait_for_http(base + "/healthz", timeout=60)
        assert eventually(_safe(ready), 60), honcho.output()
        assert run_echo(db, own_redis, "before the outage") == "completed", honcho.output()

        own_redis.stop()
        outage_ends = time.time() + OUTAGE_SECONDS
        while time.time() < outage_ends:
            assert get(base, "/login")[0] == 200, honcho.output()
            assert signed_in_page(base, cookie), honcho.output()
            assert honcho.proc.poll() is None, honcho.output()
            time.sleep(3)
        restarted = utcnow()
        own_redis.start()

        assert eventually(_safe(ready), 60), f"workers or recurring table not back:\n{honcho.output()}"
        assert run_echo(db, own_redis, "after the outage") == "completed", honcho.output()
        scheduled = [m.decode() for m in r.zrange("rq:scheduler:scheduled_jobs", 0, -1)]
        assert sorted(scheduled) == enabled_ids  # each recurring id once, nothing else
        resumed = eventually(lambda: _recurring_runs_since(db, restarted), 30)
        assert resumed, "every interval entry runs again"
        elapsed = (utcnow() - restarted).total_seconds()
        for entry in recurring.RECURRING:
            if entry.key in resumed:  # never two runs of an entry where its interval allows one
                assert resumed[entry.key] <= 1 + elapsed // entry.every, (resumed, elapsed)
        assert signed_in_page(base, cookie)
        assert honcho.proc.poll() is None
        output = honcho.output()
        assert "stopped (rc=" not in output, output  # honcho saw no process exit
        # one line per state change, not one per retry
        assert output.count("scheduler: lost Redis") == 1 and output.count("scheduler: Redis is back") == 1, output
        assert output.count("worker: lost Redis") == 4 and output.count("worker: Redis is back") == 4, output
        assert output.count("stream gateway: lost Redis") == 1, output
        assert output.count("stream gateway: Redis is back") == 1, output
        assert "could not connect to Redis instance" not in output
    finally:
        honcho.stop()


def signed_in_page(base: str, cookie: str) -> bool:
    status, body = get(base, "/time-logs", cookie)
    return status == 200 and "Sign out" in body


def run_echo(db, server: RedisServer, text: str, timeout: float = 45) -> str | None:
    """`flask jobs run echo TEXT` against the server; the job's final status (None if it did not finish)."""
    done = subprocess.run([sys.executable, "-m", "flask", "jobs", "run", "echo", text], cwd=ROOT,
                          env=process_env(REDIS_URL=server.url), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    rq_job_id = done.stdout.split()[2]

    def finished():
        db.session.expire_all()
        status = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == rq_job_id))
        return status.status if status and status.status in ("completed", "failed") else None

    return eventually(finished, timeout)


def _recurring_runs_since(db, since) -> dict[str, int] | None:
    """Runs of each interval entry enqueued since `since`, once every one of them has one."""
    db.session.expire_all()
    rows = db.session.scalars(db.select(JobStatus).where(JobStatus.coalesce_key.like("recurring:%"),
                                                        JobStatus.enqueued_at >= since)).all()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.coalesce_key] = counts.get(row.coalesce_key, 0) + 1
    wanted = {e.key for e in recurring.RECURRING if e.is_enabled() and e.every}
    return counts if wanted <= set(counts) else None


# -- 2. pages that need Redis, with Redis down ------------------------------------------------------------
@pytest.fixture()
def redis_down_client(db):
    """A client of an app whose Redis is a server that has just been stopped."""
    from app import create_app
    server = RedisServer()
    server.stop()
    # the limiter is one object shared by every app of the process: keep its counts on the live Redis,
    # or every later test's sign-ins would be counted in its in-memory fallback
    down = create_app({"REDIS_URL": server.url, "RQ_DASHBOARD_REDIS_URL": server.url,
                       "RATELIMIT_STORAGE_URI": os.environ["REDIS_URL"], "WTF_CSRF_ENABLED": False})
    return down.test_client()


def test_with_redis_down_the_system_dashboard_degrades_and_job_actions_answer_503(db, factory, redis_down_client):
    from tests.integration.test_maintenance import job_row

    admin = factory.user(None, email="root@outage.test", is_system_admin=True)
    failed = job_row(db, status="failed", user_id=admin.id)
    pending = job_row(db, status="pending", user_id=admin.id)
    login(redis_down_client, admin)

    response = redis_down_client.get("/dashboard/system")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert 'data-testid="job-figures-unavailable"' in page and 'data-testid="dashboard-metrics"' in page

    response = redis_down_client.post(f"/jobs/{failed.id}/retry")
    assert response.status_code == 503 and "unavailable" in response.get_data(as_text=True)
    response = redis_down_client.post(f"/jobs/{pending.id}/cancel")
    assert response.status_code == 503 and "unavailable" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(JobStatus, failed.id).status, db.session.get(JobStatus, pending.id).status) == \
        ("failed", "pending")  # nothing recorded that did not happen


def test_with_redis_down_rq_dashboard_answers_503_with_a_json_message(db, factory, redis_down_client):
    admin = factory.user(None, email="root@outage.test", is_system_admin=True)
    login(redis_down_client, admin)
    for path in ("/admin/rq/0/data/queues.json", "/admin/rq/0/data/workers.json",
                 "/admin/rq/0/data/jobs/default/queued/10/asc/1.json"):
        response = redis_down_client.get(path)
        assert response.status_code == 503, (path, response.get_data(as_text=True)[:500])
        assert "Redis is unavailable" in response.get_json()["error"]
    assert redis_down_client.get("/admin/rq/").status_code == 503


# -- 2. the page's stream-status follows the gateway's subscriber ------------------------------------------------
@pytest.mark.timeout(120)
def test_open_sockets_hear_live_updates_paused_then_live_again_when_the_gateway_resubscribes(app, db, factory,
                                                                                           own_redis, start_gateway):
    user = factory.user(factory.organization())
    topic = f"dashboard:user:{user.id}"
    gateway = start_gateway(REDIS_URL=own_redis.url)
    ws = open_socket(gateway.port, session_cookie(app, user.id), topic)
    try:
        assert wait_for_message(ws, 'target="stream-status"'), "the subscription is confirmed"
        assert eventually(lambda: own_redis.client().pubsub_numsub("timeboard:streams")[0][1] == 1, 10)

        own_redis.stop()
        paused = wait_for_message(ws, 'target="stream-status"', timeout=15)
        assert paused and "paused" in paused, paused
        own_redis.start()
        live = wait_for_message(ws, 'target="stream-status"', timeout=30)
        assert live and "<template>live</template>" in live, gateway.output()

        stream = '<turbo-stream action="update" target="x"><template>after the outage</template></turbo-stream>'
        own_redis.client().publish("timeboard:streams", json.dumps({"topics": [topic], "stream": stream}))
        assert wait_for_message(ws, "after the outage", timeout=10), "the gateway delivers again"
    finally:
        ws.close()
