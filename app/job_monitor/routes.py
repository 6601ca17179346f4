"""Job monitor: /jobs (search, counts, queues, workers, throughput, per organization, the table), /jobs/<id>,
and the actions on one job. Operating the platform (queues, recurring entries) is operations.py; bulk
actions are bulk.py. Every page and action asks app/policies.py."""
from __future__ import annotations

import redis
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.background import health, pause, recurring, workers
from app.background.enqueue import JobActionError, JobQueueUnavailable
from app.background.enqueue import cancel as cancel_job
from app.background.enqueue import retry as retry_job
from app.dashboards import section_stats
from app.extensions import db
from app.job_monitor import queries as monitor
from app.job_monitor import stats
from app.live.topics import DashboardKey
from app.models import Team
from app.redis_client import get_redis
from app.reports.limits import starts_a_report
from app.web.form_filters import parse_page

bp = Blueprint("job_monitor", __name__)


@bp.get("/jobs")
@login_required
def index():
    filters, errors = monitor.Filters.parse(request.args)
    page = monitor.listing(current_user, filters, parse_page(request.args.get("page", "1")) or 1)
    operator = policies.can_operate_jobs(current_user)
    return render_template(
        "job_monitor/index.html", page=page, filters=filters, errors=errors,
        counts=monitor.status_counts(current_user), queues=_queue_health(),
        buckets=monitor.throughput(current_user), operator=operator,
        recurring=_recurring() if operator else None, worker_list=_workers() if operator else None,
        queue_windows=stats.queue_windows() if operator else None,
        costs=_costs(), sections=_sections(), fresh_target=current_app.config["DASHBOARD_FRESH_SECONDS"],
        can_bulk=policies.can_bulk_jobs(current_user),
        statuses=monitor.STATUSES, queue_names=monitor.QUEUES, kinds=sorted(monitor.KINDS),
        stream_topics=monitor.topics(current_user),
    ), (422 if errors else 200)


@bp.get("/jobs/<identifier>")
@login_required
def show(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, "No such job.")
    return render_template("job_monitor/show.html", job=job, stream_topics=monitor.topics(current_user))


def _not_a_report_job() -> bool:
    from app.reports.runs import KIND
    job = monitor.find_job((request.view_args or {}).get("identifier", ""))
    return job is None or job.kind != KIND


@bp.post("/jobs/<identifier>/retry")
@login_required
@starts_a_report(exempt_when=_not_a_report_job)  # a report's job retried here starts the report again
def retry(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, "No such job.")
    try:
        retry_job(job)
    except JobQueueUnavailable as exc:
        abort(503, str(exc))
    except JobActionError as exc:
        abort(409, str(exc))
    flash(f"{job.kind} job requeued.", "info")
    return _back()


@bp.post("/jobs/<identifier>/cancel")
@login_required
def cancel(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, "No such job.")
    try:
        cancel_job(job)
    except JobQueueUnavailable as exc:
        abort(503, str(exc))
    except JobActionError as exc:
        abort(409, str(exc))
    flash(f"{job.kind} job canceled.", "info")
    return _back()


def _back():
    target = request.form.get("next", "")
    if not target.startswith("/jobs") or target.startswith("//"):
        target = url_for("job_monitor.index")
    return redirect(target, 303)


def _queue_health():
    """Depth, oldest waiting and paused, per queue; None while Redis is down."""
    try:
        figures = health.queue_health()
        paused = pause.paused()
    except redis.RedisError:
        return None
    for name, q in figures.items():
        q["paused"] = name in paused
    return figures


def _workers():
    try:
        found = workers.workers()
    except redis.RedisError:
        return None
    return {"list": found, "by_queue": workers.by_queue(found)}


def _costs():
    """Job time and failures per organization over the last day: every one for system admins, an owner's own."""
    if current_user.is_system_admin:
        return stats.organization_costs(None)
    wide = policies.org_wide_ids(current_user)
    return stats.organization_costs(wide) if wide else None


def _sections():
    """Dashboard sections' compute time and freshness: every dashboard for system admins, an owner's
    organization and team dashboards; None for everyone else, or while Redis is down."""
    if current_user.is_system_admin:
        names = None
    else:
        wide = policies.org_wide_ids(current_user)
        if not wide:
            return None
        teams = db.session.scalars(select(Team.id).where(Team.organization_id.in_(wide)))
        names = [str(DashboardKey("org", o)) for o in wide] + [str(DashboardKey("team", t)) for t in teams]
    try:
        return section_stats.summary(names)
    except redis.RedisError:
        return None


def _recurring():
    runs_by_entry = stats.recurring_runs({e.name: e.key for e in recurring.RECURRING})
    try:
        next_runs = recurring.next_runs(recurring.make_scheduler(_redis()))
        enabled = {e.name: e.is_enabled() for e in recurring.RECURRING}
    except redis.RedisError:
        next_runs, enabled = {}, {e.name: None for e in recurring.RECURRING}
    return [(entry, enabled[entry.name], next_runs.get(entry.name), runs_by_entry[entry.name])
            for entry in recurring.RECURRING]


def _redis():
    return get_redis()


