"""HTTP request metrics: a count by endpoint, method and status, and a latency histogram by endpoint."""
from __future__ import annotations

import time

from flask import Flask, g, request

from app.observability.instruments import HTTP_LATENCY, HTTP_REQUESTS

SKIPPED = {"streams.turbo_stream"}  # a socket lives for minutes: not a request latency


def register(app: Flask) -> None:
    @app.before_request
    def _start_clock():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("metrics_started", None)
        endpoint = request.endpoint or "unmatched"  # a 404 has no endpoint: one label, not one per URL
        if started is not None and endpoint not in SKIPPED:
            HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
            HTTP_LATENCY.labels(endpoint, request.method).observe(time.perf_counter() - started)
        return response
