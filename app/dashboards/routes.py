"""Dashboard pages answer at once from the cache; the metrics come from a job, over the page's stream.

Access: another organization's team or organization is a 404 (it may not even be seen); a team or
organization the user may see but whose dashboard is not theirs is a 403; the system dashboard is a
403 for anyone but a system admin.
"""
from __future__ import annotations

import redis
from flask import Blueprint, Response, abort, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.background.enqueue import EnqueueError
from app.dashboards import cache, charts
from app.dashboards.navigation import dashboard_links
from app.dashboards.recompute import catch_up, recompute_later
from app.dashboards.shell import open_dashboard
from app.live.topics import SYSTEM_DASHBOARD, BadTopic, DashboardKey, can_receive
from app.models import Organization, Team

bp = Blueprint("dashboard", __name__)
bp.add_app_template_global(charts.texts, "chart_texts")  # templates/dashboard/_chart.html

TURBO_STREAM = "text/vnd.turbo-stream.html"


def _render(key: DashboardKey, title: str, subtitle: str = ""):
    shell = open_dashboard(key, current_user.id)
    return render_template("dashboard/show.html", shell=shell, title=title, subtitle=subtitle,
                           links=dashboard_links(current_user), stream_topics=[key])


@bp.get("/dashboard")
@login_required
def user():
    return _render(DashboardKey("user", current_user.id), _("My dashboard"),
                   _("Times in %(zone)s", zone=current_user.time_zone))


@bp.get("/dashboard/team/<id:team_id>")
@login_required
def team(team_id):
    record = policies.load(current_user, Team, team_id)
    if not policies.can_view_dashboard(current_user, "team", record.id):
        abort(403, _("Only the team's managers and the organization's owners and admins see this dashboard."))
    return _render(DashboardKey("team", record.id), f"{record.name}", _("Team dashboard · weeks in UTC"))


@bp.get("/dashboard/org/<id:org_id>")
@login_required
def org(org_id):
    record = policies.load(current_user, Organization, org_id)
    if not policies.can_view_dashboard(current_user, "org", record.id):
        abort(403, _("Only the organization's owners and admins see this dashboard."))
    return _render(DashboardKey("org", record.id), record.name, _("Organization dashboard · weeks in UTC"))


@bp.get("/dashboard/system")
@login_required
def system():
    if not current_user.is_system_admin:
        abort(403, _("The system dashboard is for system admins."))
    return _render(SYSTEM_DASHBOARD, _("System"), _("Platform dashboard · UTC"))


def _allowed_key(raw: str | None) -> DashboardKey:
    try:
        key = DashboardKey.parse(raw or "")
    except BadTopic:
        abort(404)
    if not can_receive(current_user, key):
        abort(404)
    return key


@bp.get("/dashboard/sections")
@login_required
def sections():
    """The cached sections as a Turbo Stream: the page asks once its socket is live, so nothing the job
    pushed before the socket opened is missed."""
    key = _allowed_key(request.args.get("key"))
    try:
        stream = catch_up(key)
        if cache.is_stale(key):  # a change while nobody watched: make sure a recompute is on its way (coalesced)
            recompute_later([key], requester=current_user.id)
    except (redis.RedisError, EnqueueError):  # Redis down: nothing to catch up with; the page's timer shows it
        stream = ""
    return Response(stream, mimetype=TURBO_STREAM)


@bp.post("/dashboard/refresh")
@login_required
def recompute():
    """The Refresh and Retry buttons: recompute the dashboard (its job, coalesced), then show it."""
    key = _allowed_key(request.form.get("key"))
    try:
        recompute_later([key], requester=current_user.id)
    except EnqueueError:
        pass  # the page then computes in the request and says why
    return redirect(key.url, code=303)
