"""Sentry: nothing is initialised without SENTRY_DSN; with it, a failing job's event reaches the server (a real
HTTP server started here, standing in for Sentry) tagged with the job and linking to its page on /jobs."""
from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sentry_sdk

from app.background.enqueue import enqueue
from app.observability.sentry import add_job_link, init_sentry
from tests.processes import free_port


def test_nothing_is_initialised_without_a_dsn(app, monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    assert init_sentry(app.config) is False
    assert not sentry_sdk.get_client().is_active()


def test_the_event_processor_adds_the_job_link():
    event = add_job_link({"tags": {"timeboard.job_id": "abc123"}}, {})
    assert event["extra"]["job_url"].endswith("/jobs/abc123")
    assert add_job_link({"tags": {}}, {}) == {"tags": {}}  # not from a job: unchanged


class _Collector(BaseHTTPRequestHandler):
    envelopes: list[str] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.envelopes.append(body.decode(errors="replace"))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_a_failing_jobs_event_reaches_sentry_with_its_link(app_ctx, db, start_worker, monkeypatch):
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Collector.envelopes = []
    try:
        monkeypatch.setenv("SENTRY_DSN", f"http://publickey@127.0.0.1:{port}/1")
        monkeypatch.setenv("PUBLIC_URL", "https://timeboard.example")
        start_worker("default")
        job = enqueue("fail", "sentry-bound failure")
        deadline = time.time() + 30
        while time.time() < deadline and not any("sentry-bound failure" in e for e in _Collector.envelopes):
            time.sleep(0.2)
    finally:
        server.shutdown()
    events = [json.loads(line) for envelope in _Collector.envelopes for line in envelope.splitlines()
              if line.startswith("{") and "sentry-bound failure" in line]
    assert events, _Collector.envelopes[:2]
    event = events[0]
    assert event["tags"]["timeboard.job_id"] == job.rq_job_id and event["tags"]["timeboard.job_kind"] == "fail"
    assert event["extra"]["job_url"] == f"https://timeboard.example/jobs/{job.rq_job_id}"
