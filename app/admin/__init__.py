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

    # its own JavaScript posts without our CSRF token; only system admins reach it (below), and the
    # session cookie is SameSite=Lax, so a cross-site form cannot drive it
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
