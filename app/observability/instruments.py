"""Every metric counted as it happens, by name, in one place (README, "Metrics"; deploy/grafana-dashboard.json).

With PROMETHEUS_MULTIPROC_DIR set (production: one empty directory shared by gunicorn's workers, the RQ
workers and the gateways of a machine), prometheus_client keeps each process's values in files there and any
web process's /metrics sums them (app/admin/metrics.py). Without it each process counts for itself.

Job figures are counted by the worker process after each job (app/background/worker.py), never by a forked
work-horse: a horse is a new pid per job, and every pid leaves its own files behind in multiprocess mode.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)

HTTP_REQUESTS = Counter("timeboard_http_requests", "HTTP requests answered, by endpoint, method and status",
                        ["endpoint", "method", "status"])
HTTP_LATENCY = Histogram("timeboard_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["endpoint", "method"], buckets=HTTP_BUCKETS)
JOB_RUNS = Counter("timeboard_job_runs", "Job executions by kind, queue and outcome (completed, failed, retried, "
                   "canceled, killed)", ["kind", "queue", "outcome"])
JOB_DURATION = Histogram("timeboard_job_duration_seconds", "Wall time of a job execution, as its worker saw it",
                         ["kind", "queue"], buckets=JOB_BUCKETS)
GATEWAY_SOCKETS = Gauge("timeboard_gateway_open_sockets", "Stream sockets open, summed over live gateways",
                        multiprocess_mode="livesum")
GATEWAY_BROADCASTS = Counter("timeboard_gateway_broadcasts", "Broadcasts a gateway received from Redis, by topic kind",
                             ["kind"])
