"""/metrics in the Prometheus text format: queue depths, job outcomes, running timers, watched stream topics.

Scrapers authenticate with `Authorization: Bearer $METRICS_TOKEN`; without a token configured the
endpoint answers loopback clients and signed-in system admins only.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request
from flask_login import current_user
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

bp = Blueprint("metrics", __name__)


class TimeboardCollector:
    """Reads current figures on each scrape; nothing is counted in-process, so any web process answers."""

    def collect(self):
        from sqlalchemy import func, select

        from app import presence
        from app.background.catalog import QUEUES
        from app.background.enqueue import get_queue
        from app.extensions import db
        from app.models import JobStatus, TimeLog

        jobs = GaugeMetricFamily("timeboard_jobs", "Tracked jobs by kind and status", labels=["kind", "status"])
        for kind, status, count in db.session.execute(
            select(JobStatus.kind, JobStatus.status, func.count()).group_by(JobStatus.kind, JobStatus.status)
        ):
            jobs.add_metric([kind, status], count)
        yield jobs
        running = db.session.scalar(select(func.count()).select_from(TimeLog).where(TimeLog.end_time.is_(None)))
        yield GaugeMetricFamily("timeboard_running_timers", "Timers running now", value=running or 0)
        depth = GaugeMetricFamily("timeboard_queue_depth", "Jobs waiting per queue", labels=["queue"])
        watched = GaugeMetricFamily("timeboard_watched_topics", "Stream topics with an open socket in any process "
                                    "(presence; each gateway's /metrics has its own sockets)", labels=["kind"])
        try:
            for name in QUEUES:
                depth.add_metric([name], get_queue(name).count)
            for kind, count in sorted(presence.watched_by_kind().items()):
                watched.add_metric([kind], count)
        except Exception:  # Redis down: report what the database knows
            current_app.logger.warning("metrics: Redis unavailable")
        yield depth
        yield watched


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
        abort(403, "Metrics need a bearer token or a system admin.")
    registry = CollectorRegistry()
    registry.register(TimeboardCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
