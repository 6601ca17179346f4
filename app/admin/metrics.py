"""/metrics in the Prometheus text format: what every process counted (app/observability/instruments.py: HTTP
requests, job runs, gateway sockets and broadcasts; summed over the processes of this machine in multiprocess
mode), plus figures read at each scrape: tracked jobs, queue depth and oldest-waiting age, paused queues,
workers, running timers, watched stream topics.

Scrapers authenticate with `Authorization: Bearer $METRICS_TOKEN`; without a token configured the
endpoint answers loopback clients and signed-in system admins only.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from app.background import health, pause
from app.background import workers as workers_module
from app.dashboards import section_stats
from app.extensions import db
from app.live import presence
from app.models import JobStatus, TimeLog

bp = Blueprint("metrics", __name__)


class TimeboardCollector:
    """Reads current figures on each scrape; nothing is counted in-process, so any web process answers."""

    def collect(self):


        jobs = GaugeMetricFamily("timeboard_jobs", "Tracked jobs by kind and status", labels=["kind", "status"])
        for kind, status, count in db.session.execute(
            select(JobStatus.kind, JobStatus.status, func.count()).group_by(JobStatus.kind, JobStatus.status)
        ):
            jobs.add_metric([kind, status], count)
        yield jobs
        running = db.session.scalar(select(func.count()).select_from(TimeLog).where(TimeLog.end_time.is_(None)))
        yield GaugeMetricFamily("timeboard_running_timers", "Timers running now", value=running or 0)
        depth = GaugeMetricFamily("timeboard_queue_depth", "Jobs waiting per queue", labels=["queue"])
        oldest = GaugeMetricFamily("timeboard_queue_oldest_age_seconds", "Age of the oldest job waiting, per queue",
                                   labels=["queue"])
        paused = GaugeMetricFamily("timeboard_queue_paused", "1 while a queue is paused", labels=["queue"])
        workers = GaugeMetricFamily("timeboard_workers", "RQ workers by state (lost: no heartbeat)", labels=["state"])
        labels = ["dashboard", "section"]
        cached = GaugeMetricFamily("timeboard_dashboard_cached_sections", "Dashboard sections in the cache",
                                   labels=labels)
        fresh = GaugeMetricFamily("timeboard_dashboard_fresh_sections", "Cached sections younger than "
                                  "DASHBOARD_FRESH_SECONDS", labels=labels)
        age = GaugeMetricFamily("timeboard_dashboard_oldest_section_age_seconds", "Age of the oldest cached value",
                                labels=labels)
        p95 = GaugeMetricFamily("timeboard_dashboard_section_compute_p95_seconds", "p95 of a section's recent "
                                "compute times", labels=labels)
        watched = GaugeMetricFamily("timeboard_watched_topics", "Stream topics with an open socket in any process "
                                    "(presence; each gateway's /metrics has its own sockets)", labels=["kind"])
        try:
            paused_names = pause.paused()
            for name, figures in health.queue_health().items():
                depth.add_metric([name], figures["depth"])
                if figures["oldest_age_s"] is not None:
                    oldest.add_metric([name], figures["oldest_age_s"])
                paused.add_metric([name], 1 if name in paused_names else 0)
            for state, count in sorted(workers_module.states().items()):
                workers.add_metric([state], count)
            for f in section_stats.summary():
                cached.add_metric([f.kind, f.section], f.cached)
                fresh.add_metric([f.kind, f.section], f.fresh)
                if f.oldest_age_s is not None:
                    age.add_metric([f.kind, f.section], f.oldest_age_s)
                if f.p95_ms is not None:
                    p95.add_metric([f.kind, f.section], f.p95_ms / 1000)
            for kind, count in sorted(presence.watched_by_kind().items()):
                watched.add_metric([kind], count)
        except Exception:  # Redis down: report what the database knows
            current_app.logger.warning("metrics: Redis unavailable")
        yield from (depth, oldest, paused, workers, watched, cached, fresh, age, p95)


class _ThisProcess:
    """Without multiprocess mode: what this process counted (the default registry)."""

    def collect(self):
        yield from REGISTRY.collect()


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token:
        return hmac.compare_digest(header, f"Bearer {token}")
    if current_user.is_authenticated and current_user.is_system_admin:
        return True
    return request.remote_addr in ("127.0.0.1", "::1")


@bp.get("/metrics")
def metrics():
    if not _allowed():
        abort(403, _("Metrics need a bearer token or a system admin."))
    registry = CollectorRegistry()
    registry.register(TimeboardCollector())
    if current_app.config["PROMETHEUS_MULTIPROC_DIR"]:
        MultiProcessCollector(registry)  # every process of this machine that wrote to the directory
    else:
        registry.register(_ThisProcess())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
