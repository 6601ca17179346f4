"""rq-dashboard at /admin/rq, for system admins only (403 for everyone else, anonymous included).

rq-dashboard's blueprint is one module-level object shared by every app in the process, so it is
guarded by an app-level before_request on the path (a hook added to the shared blueprint would
break the next create_app()). Its own before_request reads app.redis_conn, which
setup_rq_connection() sets from RQ_DASHBOARD_REDIS_URL (our REDIS_URL).
"""
from __future__ import annotations

from flask import Flask, abort, request

PREFIX = "/admin/rq"


def register_rq_dashboard(app: Flask) -> None:
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 2500)
    from app.extensions import csrf

    # its own JavaScript posts without our CSRF token; _refuse_cross_site (below) stands in for it
    csrf.exempt(rq_dashboard.blueprint)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    setup_rq_connection(app)

    @app.before_request
    def _only_system_admins():
        if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
            return None
        from flask_login import current_user

        if not (current_user.is_authenticated and current_user.is_system_admin):
            abort(403, "The RQ dashboard is for system admins only.")
        return None

    app.before_request(_refuse_cross_site)
    app.before_request(_compact_only_existing_queues)
    app.before_request(_unavailable_without_redis)


# rq-dashboard 0.9.0 requeues a whole failed registry on GET /requeue/<queue> too; every other GET is a view
STATE_CHANGING_GETS = (PREFIX + "/requeue/",)


def _refuse_cross_site():
    """No other site may drive the RQ dashboard, even through an admin's browser.

    Refused: anything the browser marks as coming from another site or origin, and any request that
    changes state (every POST, and the requeue GET) unless the browser vouches that one of our pages
    sent it (rq-dashboard's own jQuery calls do) or it carries our CSRF token.
    """
    if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
        return None
    from app.origins import is_cross_site, is_same_origin

    if is_cross_site():
        abort(403, "The RQ dashboard refuses requests from other sites.")
    changes_state = request.method not in ("GET", "HEAD", "OPTIONS") or request.path.startswith(STATE_CHANGING_GETS)
    if changes_state and not (is_same_origin() or _has_valid_csrf_token()):
        abort(403, "The RQ dashboard only takes changes from its own pages.")
    return None


def _has_valid_csrf_token() -> bool:
    from flask_wtf.csrf import ValidationError, validate_csrf

    token = (request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
             or (request.form.get("csrf_token") if request.method == "POST" else None))
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def _compact_only_existing_queues():
    """rq-dashboard's compact renames the queue's Redis list, which fails (a 500) when the list does
    not exist: answer for it instead, "OK" for one of our queues that is simply empty, 404 otherwise."""
    prefix, suffix = PREFIX + "/queue/", "/compact"
    if request.method != "POST" or not (request.path.startswith(prefix) and request.path.endswith(suffix)):
        return None
    import redis
    from flask import current_app, jsonify
    from rq import Queue

    from app.background.catalog import QUEUES as OUR_QUEUES

    name = request.path[len(prefix):-len(suffix)]
    try:
        if current_app.redis_conn.exists(Queue(name, connection=current_app.redis_conn).key):
            return None  # rq-dashboard compacts it
    except redis.RedisError:
        return None  # Redis trouble is answered where every other /admin/rq request's is
    if name in OUR_QUEUES:
        return jsonify(status="OK"), 200  # an empty queue: nothing to compact
    return jsonify(status="ERROR", error=f"No queue named {name!r}."), 404


def _unavailable_without_redis():
    """With Redis down every rq-dashboard view would fail (a 500): answer 503 instead, JSON for its
    JavaScript's calls (data/*.json and the actions), the error page for its views."""
    if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
        return None
    from flask import jsonify

    from app.redis_client import redis_available

    if redis_available():
        return None
    message = "Redis is unavailable: the RQ dashboard cannot show or change jobs right now. Try again in a moment."
    if request.path.endswith(".json") or request.method != "GET" or request.path.startswith(STATE_CHANGING_GETS):
        return jsonify(status="ERROR", error=message), 503
    abort(503, message)
