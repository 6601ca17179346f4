"""Observability across real processes: /metrics sums what two gunicorn workers and an RQ worker counted
(PROMETHEUS_MULTIPROC_DIR), and a request's id reaches the log lines of the job it enqueued (JSON lines)."""
from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.request

from app.background.enqueue import enqueue
from app.extensions import db
from app.live.streams import broadcast_stream
from app.live.topics import JobsTopic
from app.models import JobStatus
from tests.processes import TMP


def sample(text: str, name: str, **labels) -> float:
    """The value of the sample with exactly these labels, in the Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        base, _, rest = metric.partition("{")
        if not line.startswith("#") and base == name and dict(re.findall(r'(\w+)="([^"]*)"', rest)) == labels:
            return float(value)
    return 0.0


def get(url: str, headers: dict | None = None, opener=None):
    request = urllib.request.Request(url, headers=headers or {})
    with (opener or urllib.request.build_opener()).open(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def wait_done(job_ids: list[int], timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        db.session.expire_all()
        if all(db.session.get(JobStatus, i).status in ("completed", "failed") for i in job_ids):
            return
        time.sleep(0.2)
    raise AssertionError("jobs did not finish")


def test_metrics_move_with_requests_and_jobs_from_several_processes(app_ctx, db, start_web, start_worker,
                                                                    start_gateway, monkeypatch):
    metrics_dir = TMP / f"metrics-{time.time_ns()}"
    metrics_dir.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))  # for the processes started below
    base = start_web(workers=2)
    start_worker("default")
    before = get(base + "/metrics")[2]
    for _ in range(12):  # spread over both gunicorn workers
        assert get(base + "/login")[0] == 200
    jobs = [enqueue("echo", i).id for i in range(3)] + [enqueue("fail", "on purpose").id]
    wait_done(jobs)
    time.sleep(0.5)  # the worker counts a job just after its status is written
    text = get(base + "/metrics")[2]
    logins = sample(text, "timeboard_http_requests_total", endpoint="auth.login", method="GET", status="200")
    assert logins - sample(before, "timeboard_http_requests_total", endpoint="auth.login", method="GET",
                           status="200") == 12
    assert sample(text, "timeboard_http_request_duration_seconds_count", endpoint="auth.login", method="GET") >= 12
    assert sample(text, "timeboard_http_request_duration_seconds_bucket", endpoint="auth.login", method="GET",
                  le="+Inf") >= 12
    assert sample(text, "timeboard_job_runs_total", kind="echo", queue="default", outcome="completed") == 3
    # "fail" has two retries: two executions were retried, the third failed for good
    assert sample(text, "timeboard_job_runs_total", kind="fail", queue="default", outcome="retried") == 2
    assert sample(text, "timeboard_job_runs_total", kind="fail", queue="default", outcome="failed") == 1
    assert sample(text, "timeboard_job_duration_seconds_count", kind="echo", queue="default") == 3
    pids = {p.name.rsplit("_", 1)[1] for p in metrics_dir.glob("*.db")}
    assert len(pids) >= 3, pids  # two web workers and the RQ worker wrote their own files
    assert "timeboard_queue_depth" in text and "timeboard_queue_oldest_age_seconds" in text

    gateway = start_gateway()  # the gateway counts the broadcasts it relays into the same directory
    deadline = time.time() + 15
    while time.time() < deadline:
        broadcast_stream(JobsTopic(), "<turbo-stream></turbo-stream>")
        text = get(base + "/metrics")[2]
        if sample(text, "timeboard_gateway_broadcasts_total", kind="jobs:all") >= 1:
            break
        time.sleep(0.3)
    assert sample(text, "timeboard_gateway_broadcasts_total", kind="jobs:all") >= 1
    own = get(f"http://127.0.0.1:{gateway.port}/metrics")[2]  # and on its own /metrics, with its sockets
    assert sample(own, "timeboard_gateway_broadcasts_total", kind="jobs:all") >= 1
    assert "timeboard_gateway_sockets" in own


def test_a_request_id_leads_from_the_web_log_to_the_jobs_log_lines(app_ctx, db, factory, start_web, start_worker,
                                                                    monkeypatch):
    w = factory.world()
    org_id = w.org.id
    monkeypatch.setenv("LOG_FORMAT", "json")
    base = start_web()
    worker = start_worker("dashboard", fork=False)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = get(base + "/login", opener=opener)[2]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"csrf_token": token, "email": w.owner.email, "password": "password"}).encode()
    opener.open(base + "/login", data=data, timeout=10).read()
    request_id = f"trace-{time.time_ns()}"
    status, headers, _ = get(f"{base}/dashboard/org/{org_id}", {"X-Request-ID": request_id}, opener)
    assert status == 200 and headers["X-Request-ID"] == request_id
    _, generated, _ = get(base + "/login", {"X-Request-ID": "bad id <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", generated["X-Request-ID"])  # not sane: replaced
    job = db.session.scalar(db.select(JobStatus).where(JobStatus.request_id == request_id))
    assert job is not None and job.organization_id == org_id
    wait_done([job.id])
    deadline = time.time() + 10
    while time.time() < deadline and f"job {job.rq_job_id} (dashboard_data) completed" not in worker.output():
        time.sleep(0.2)
    job_lines = [json.loads(line) for line in worker.output().splitlines() if line.startswith("{")]
    mine = [line for line in job_lines if line.get("job_id") == job.rq_job_id]
    assert {line["message"] for line in mine} >= {f"job {job.rq_job_id} (dashboard_data) started",
                                                   f"job {job.rq_job_id} (dashboard_data) completed"}
    assert all(line["request_id"] == request_id and line["level"] == "INFO" for line in mine)
    assert all("time" in line and "logger" in line for line in mine)
    port = base.rsplit(":", 1)[1]
    web_lines = (TMP / f"web-{port}.log").read_text().splitlines()
    assert all(line.startswith("{") for line in web_lines if line.strip()), web_lines[:5]  # gunicorn's too
    enqueued = [json.loads(line) for line in web_lines if job.rq_job_id in line]
    assert enqueued and enqueued[0]["request_id"] == request_id  # the web line that leads to the job
    assert enqueued[0]["message"].startswith(f"enqueued dashboard_data job {job.rq_job_id}")
