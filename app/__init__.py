"""Timeboard: the app factory reads like a table of contents."""
from __future__ import annotations

import logging
import os

from flask import Flask

from app.config import load_config


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path, overrides))
    register_proxy_fix(app)
    register_observability(app)
    register_extensions(app)
    register_security_headers(app)
    register_input_guard(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # registers every table with the metadata; load_user reads User
    from app.auth import oidc
    from app.auth.signed_out import unauthorized
    from app.database import configure_engine
    from app.extensions import csrf, db, limiter, login_manager, mail, migrate, turbo
    from app.services.sessions import close_sockets_on_revocation

    db.init_app(app)
    migrations = os.path.join(os.path.dirname(app.root_path), "migrations")
    migrate.init_app(app, db, directory=migrations, render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.unauthorized_handler(unauthorized)
    csrf.init_app(app)
    limiter.init_app(app)
    turbo.init_app(app)
    mail.init_app(app)
    oidc.register(app)  # the OpenID Connect providers' clients (OIDC_PROVIDERS)
    with app.app_context():
        configure_engine(db.engine)
    close_sockets_on_revocation()

    @login_manager.user_loader
    def load_user(token: str):
        """Sessions and remember cookies carry User.get_id(): "<id>:<session_version>"; a revoked one names nobody."""
        return models.User.from_session_token(token)


def register_observability(app: Flask) -> None:
    """Logs (JSON in production), the request id, Prometheus request metrics, and Sentry when SENTRY_DSN is set."""
    from app import logs, request_id
    from app.metrics.http import register as register_http_metrics
    from app.sentry import init_sentry

    logs.configure(app.config["APP_ENV"])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    request_id.register(app)
    register_http_metrics(app)
    init_sentry(app.config)


def register_input_guard(app: Flask) -> None:
    from app.input_guard import register

    register(app)


def register_blueprints(app: Flask) -> None:
    from app.admin import register_rq_dashboard
    from app.auth import bp as auth_bp
    from app.auth.sso import bp as sso_bp
    from app.dashboard import bp as dashboard_bp
    from app.form_filters import IdConverter
    from app.job_monitor import bp as job_monitor_bp
    from app.main import bp as main_bp
    from app.metrics import bp as metrics_bp
    from app.notifications import bp as notifications_bp
    from app.organizations import bp as organizations_bp
    from app.people import bp as people_bp
    from app.projects import bp as projects_bp
    from app.report_schedules import bp as report_schedules_bp
    from app.reports import bp as reports_bp
    from app.settings import bp as settings_bp
    from app.streams import bp as streams_bp
    from app.time_logs import bp as time_logs_bp

    app.url_map.converters["id"] = IdConverter  # routes take <id:name>: parsed once, 404 for anything else
    for blueprint in (main_bp, auth_bp, sso_bp, time_logs_bp, projects_bp, organizations_bp, people_bp, settings_bp,
                      notifications_bp, dashboard_bp, job_monitor_bp, reports_bp, report_schedules_bp,
                      streams_bp, metrics_bp):
        app.register_blueprint(blueprint)
    register_rq_dashboard(app)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.helpers import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)


def register_proxy_fix(app: Flask) -> None:
    """Behind PROXY_FIX_X_FOR reverse proxies, the client's address is the one the last of them saw (the rate
    limits, the audit trail and the logs read request.remote_addr); with 0, X-Forwarded-For is ignored."""
    hops = app.config["PROXY_FIX_X_FOR"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=0, x_host=0, x_port=0, x_prefix=0)


def register_security_headers(app: Flask) -> None:
    from app.security import register

    register(app)
