"""rq-dashboard at /admin/rq, for system admins only (403 for everyone else, anonymous included).

rq-dashboard's blueprint is one module-level object shared by every app in the process, so it is
guarded by an app-level before_request on the path (a hook added to the shared blueprint would
break the next create_app()). Its own before_request reads app.redis_conn, which
setup_rq_connection() sets from RQ_DASHBOARD_REDIS_URL (our REDIS_URL).

The guard, in order: system admins only; nothing from another site, and no change of state unless
one of our pages sent it (its JavaScript posts without our CSRF token, so the browser's Origin and
Sec-Fetch-Site stand in for it); a 503 instead of a 500 while Redis is down; and an answer for
compacting a queue that has no Redis key (rq-dashboard's own would be a 500).
"""
from __future__ import annotations

import redis
import rq_dashboard
from flask import Flask, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf
from rq import Queue
from rq_dashboard.web import setup_rq_connection

from app.background.catalog import QUEUES
from app.extensions import csrf
from app.redis_client import redis_available
from app.web.origins import is_cross_site, is_same_origin

PREFIX = "/admin/rq"
# rq-dashboard 0.9.0 requeues a whole failed registry on GET /requeue/<queue> too; every other GET is a view
STATE_CHANGING_GETS = (PREFIX + "/requeue/",)
# for its JavaScript's JSON calls, in English like every API answer; the error page says it in the reader's language
UNAVAILABLE = "Redis is unavailable: the RQ dashboard cannot show or change jobs right now. Try again in a moment."


def register_rq_dashboard(app: Flask) -> None:
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 2500)
    csrf.exempt(rq_dashboard.blueprint)  # see the module docstring: _refuse_cross_site stands in for it
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    setup_rq_connection(app)
    app.before_request(_guard)


def _guard():
    if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
        return None
    if not (current_user.is_authenticated and current_user.is_system_admin):
        abort(403, _("The RQ dashboard is for system admins only."))
    _refuse_cross_site()
    if not redis_available():
        return _unavailable()
    return _compact_only_existing_queues()


def _changes_state() -> bool:
    return request.method not in ("GET", "HEAD", "OPTIONS") or request.path.startswith(STATE_CHANGING_GETS)


def _refuse_cross_site() -> None:
    """No other site may drive the RQ dashboard, even through an admin's browser: refused is anything
    the browser marks as coming from another site or origin, and any change of state (every POST, and
    the requeue GET) unless the browser vouches that one of our pages sent it or it carries our token."""
    if is_cross_site():
        abort(403, _("The RQ dashboard refuses requests from other sites."))
    if _changes_state() and not (is_same_origin() or _has_valid_csrf_token()):
        abort(403, _("The RQ dashboard only takes changes from its own pages."))


def _has_valid_csrf_token() -> bool:
    token = (request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
             or (request.form.get("csrf_token") if request.method == "POST" else None))
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def _unavailable():
    """JSON for its JavaScript's calls (data/*.json and the actions), the error page for its views."""
    if request.path.endswith(".json") or _changes_state():
        return jsonify(status="ERROR", error=UNAVAILABLE), 503
    abort(503, _("Redis is unavailable: the RQ dashboard cannot show or change jobs right now. Try again in a "
                 "moment."))


def _compact_only_existing_queues():
    """rq-dashboard's compact renames the queue's Redis list, which fails when the list does not exist:
    "OK" for one of our queues that is simply empty, 404 for a queue that is not ours."""
    prefix, suffix = PREFIX + "/queue/", "/compact"
    if request.method != "POST" or not (request.path.startswith(prefix) and request.path.endswith(suffix)):
        return None
    name = request.path[len(prefix):-len(suffix)]
    try:
        if current_app.redis_conn.exists(Queue(name, connection=current_app.redis_conn).key):
            return None  # rq-dashboard compacts it
    except redis.RedisError:
        return _unavailable()
    if name in QUEUES:
        return jsonify(status="OK"), 200  # an empty queue: nothing to compact
    return jsonify(status="ERROR", error=f"No queue named {name!r}."), 404
