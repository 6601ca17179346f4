"""The job monitor's tabs besides the job list: /jobs/queues, /jobs/latency, /jobs/workers and /jobs/recurring
(system admins, who operate the platform) and /jobs/organizations (job time per organization and dashboard
sections: system admins see every organization, owners and admins their own). Each page is live like the list:
it listens on the viewer's job topics and refreshes (a morph) when a job changes."""
from __future__ import annotations

import redis
from flask import abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.background import health, pause, recurring, workers
from app.dashboards import section_stats
from app.extensions import db
from app.job_monitor import latency, stats
from app.job_monitor import queries as monitor
from app.job_monitor.routes import bp
from app.live.topics import DashboardKey
from app.models import Team
from app.redis_client import get_redis


def _operator_only() -> None:
    if not policies.can_operate_jobs(current_user):
        abort(403, _("Queues, workers and recurring jobs are for system admins."))


def _render(template: str, **context):
    return render_template(template, stream_topics=monitor.topics(current_user), **context)


@bp.get("/jobs/queues")
@login_required
def queues():
    _operator_only()
    return _render("job_monitor/queues.html", queues=queue_health(), worker_list=worker_list(),
                   queue_windows=stats.queue_windows())


@bp.get("/jobs/latency")
@login_required
def latency_page():
    _operator_only()
    return _render("job_monitor/latency.html", figures=latency.percentiles(),
                   flow=latency.flow_chart(latency.cumulative_flow()))


@bp.get("/jobs/workers")
@login_required
def workers_page():
    _operator_only()
    return _render("job_monitor/workers.html", worker_list=worker_list())


@bp.get("/jobs/recurring")
@login_required
def recurring_page():
    _operator_only()
    return _render("job_monitor/recurring.html", recurring=recurring_entries())


@bp.get("/jobs/organizations")
@login_required
def organizations():
    wide = None if current_user.is_system_admin else policies.org_wide_ids(current_user)
    if wide == []:
        abort(403, _("Figures per organization are for system admins and organizations' owners and admins."))
    return _render("job_monitor/organizations.html", costs=stats.organization_costs(wide),
                   sections=dashboard_sections(wide), fresh_target=current_app.config["DASHBOARD_FRESH_SECONDS"])


def queue_health():
    """Depth, oldest waiting and paused, per queue; None while Redis is down."""
    try:
        figures = health.queue_health()
        paused = pause.paused()
    except redis.RedisError:
        return None
    for name, q in figures.items():
        q["paused"] = name in paused
    return figures


def worker_list():
    try:
        found = workers.workers()
    except redis.RedisError:
        return None
    return {"list": found, "by_queue": workers.by_queue(found)}


def dashboard_sections(wide: list[int] | None):
    """Dashboard sections' compute time and freshness: every dashboard (wide None), or these organizations' and
    their teams' dashboards; None while Redis is down."""
    names = None
    if wide is not None:
        teams = db.session.scalars(select(Team.id).where(Team.organization_id.in_(wide)))
        names = [str(DashboardKey("org", o)) for o in wide] + [str(DashboardKey("team", t)) for t in teams]
    try:
        return section_stats.summary(names)
    except redis.RedisError:
        return None


def recurring_entries():
    runs_by_entry = stats.recurring_runs({e.name: e.key for e in recurring.RECURRING})
    try:
        next_runs = recurring.next_runs(recurring.make_scheduler(get_redis()))
        enabled = {e.name: e.is_enabled() for e in recurring.RECURRING}
    except redis.RedisError:
        next_runs, enabled = {}, {e.name: None for e in recurring.RECURRING}
    return [(entry, enabled[entry.name], next_runs.get(entry.name), runs_by_entry[entry.name])
            for entry in recurring.RECURRING]


@bp.app_template_global("job_tabs")
def job_tabs() -> list[tuple[str, str]]:
    """The tab bar's (endpoint, label) pairs the signed-in person may open."""
    tabs = [("job_monitor.index", _("Jobs"))]
    if policies.can_bulk_jobs(current_user):
        tabs.append(("job_monitor.failures", _("Failures")))
    if policies.can_operate_jobs(current_user):
        tabs += [("job_monitor.queues", _("Queues")), ("job_monitor.latency_page", _("Latency")),
                 ("job_monitor.workers_page", _("Workers")), ("job_monitor.recurring_page", _("Recurring"))]
    if current_user.is_system_admin or policies.org_wide_ids(current_user):
        tabs.append(("job_monitor.organizations", _("Organizations")))
    return tabs
