"""Observability, below every feature and the job engine: logs, Prometheus instruments (instruments.py) and
HTTP request metrics (http.py), Sentry."""
