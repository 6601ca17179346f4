"""Timeboard: the app factory reads like a table of contents."""
from __future__ import annotations

import logging
import os

from flask import Flask
from jinja2 import FileSystemBytecodeCache
from werkzeug.middleware.proxy_fix import ProxyFix

from app import i18n, models  # registers every table with the metadata; load_user reads User
from app.accounts import (  # noqa: F401  (pages of accounts/settings)
    oidc,
    token_routes,  # noqa: F401  (pages of the settings blueprint)
    two_factor_routes,
    two_factor_settings_routes,
)
from app.accounts import routes as accounts
from app.accounts import settings_routes as settings
from app.accounts import sso_routes as sso
from app.accounts.sessions import close_sockets_on_revocation
from app.accounts.signed_out import unauthorized
from app.admin import metrics
from app.admin.rq_dashboard import register_rq_dashboard
from app.api import docs_routes, entry_routes, project_routes, report_routes, tag_routes  # noqa: F401  (the api blueprint)
from app.api import routes as api
from app.approvals import routes as approvals
from app.billing import invoice_routes  # noqa: F401  (pages of the billing blueprint)
from app.billing import routes as billing
from app.cli.commands import register_commands
from app.config import load_config
from app.dashboards import routes as dashboards
from app.database import configure_engine
from app.extensions import csrf, db, limiter, login_manager, mail, migrate
from app.imports import routes as imports
from app.job_monitor import bulk, failure_pages, operations, tabs  # noqa: F401  (pages of the job_monitor blueprint)
from app.job_monitor import routes as job_monitor
from app.live import streams
from app.live.publisher import turbo
from app.live.stream_url import stream_origin
from app.notifications import budgets
from app.notifications import routes as notifications
from app.observability import logs
from app.observability.http import register as register_http_metrics
from app.observability.sentry import init_sentry
from app.organizations import audit as organization_audit
from app.organizations import (  # noqa: F401
    export_routes,
    invitation_routes,
    member_routes,
    rate_audit,
    settings_routes,
    team_routes,
)
from app.organizations import routes as organizations
from app.reports import notices as report_notices
from app.reports import routes as reports
from app.reports import schedule_routes as report_schedules
from app.reports import share_routes as report_shares
from app.time_tracking import (  # noqa: F401  (pages of the projects and time_logs blueprints)
    client_routes,
    favourite_routes,
    label_routes,
    palette_routes,
)
from app.time_tracking import project_routes as projects
from app.time_tracking import routes as time_logs
from app.time_tracking import timesheet_routes as timesheet
from app.web import (
    errors,
    helpers,
    input_guard,
    installable,  # noqa: F401  (the manifest, service worker and offline page, on main's blueprint)
    main,
    request_id,
    security,
)
from app.web.form_filters import IdConverter
from app.webhooks import routes as webhooks
from app.webhooks import subscribers as webhook_subscribers


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path, overrides))
    register_proxy_fix(app)
    register_observability(app)
    register_extensions(app)
    keep_compiled_templates(app)
    # headers; the CSP allows the stream gateway's origin and the sign-on providers' (after register_extensions)
    security.register(app, connect_origin=stream_origin, form_action_origins=lambda: oidc.form_action_origins(app))
    input_guard.register(app)
    register_blueprints(app)
    errors.register(app)
    helpers.register(app)  # template helpers
    register_commands(app)
    register_subscribers()
    return app


def register_extensions(app: Flask) -> None:
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
    i18n.init_app(app)  # Flask-Babel: the language and time zone of each request
    oidc.register(app)  # the OpenID Connect providers' clients (OIDC_PROVIDERS)
    with app.app_context():
        configure_engine(db.engine)
    close_sockets_on_revocation()

    @login_manager.user_loader
    def load_user(token: str):
        """Sessions and remember cookies carry User.get_id(): "<id>:<session_version>"; a revoked one names nobody."""
        return models.User.from_session_token(token)


class _CompiledTemplates(FileSystemBytecodeCache):
    """Jinja's bytecode cache, where a failed write only means compiling again next time: Jinja does not catch it,
    and a page must never fail for its cache."""

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            logging.getLogger(__name__).warning("could not keep a compiled template: %s", exc)


def keep_compiled_templates(app: Flask) -> None:
    """Jinja's bytecode cache in instance/templates-compiled, keyed by each template's source: a new process (a
    worker preloading every template, app/background/preload.py; a web process's first pages) loads them compiled.
    Where that folder cannot be written (a read-only instance folder), templates are compiled in each process."""
    directory = os.path.join(app.instance_path, "templates-compiled")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return
    if os.access(directory, os.W_OK):
        app.jinja_env.bytecode_cache = _CompiledTemplates(directory)


def register_observability(app: Flask) -> None:
    """Logs (JSON in production), the request id, Prometheus request metrics, and Sentry when SENTRY_DSN is set."""
    logs.configure(app.config["APP_ENV"], app.config["LOG_FORMAT"])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    request_id.register(app)
    register_http_metrics(app)
    init_sentry(app.config)


def register_blueprints(app: Flask) -> None:
    """Every feature's blueprints; a blueprint is `bp` in the route module that serves its main pages, and the
    feature's other route modules add their pages to it (importing them, above, attaches them)."""
    app.url_map.converters["id"] = IdConverter  # routes take <id:name>: parsed once, 404 for anything else
    for module in (main, accounts, sso, settings, time_logs, timesheet, projects, organizations, notifications,
                   dashboards, job_monitor, reports, report_schedules, report_shares, imports, streams, metrics, api,
                   webhooks, approvals, billing):
        app.register_blueprint(module.bp)
    errors.register_prefix("/api/v1", api.render_routing_error)  # /api/v1 answers problem+json, even a 404
    register_rq_dashboard(app)


def register_subscribers() -> None:
    """Features that hook into another's events rather than being called from inside it (idempotent)."""
    budgets.subscribe()  # budget checks follow every change to time data
    report_notices.register()  # scheduled reports' e-mails carry their file
    rate_audit.subscribe()  # the audit trail records every rate added or removed
    webhook_subscribers.subscribe()  # webhooks follow time changes, finished reports and membership changes
    organization_audit.subscribe()  # the audit trail records report share links made and revoked


def register_proxy_fix(app: Flask) -> None:
    """Behind PROXY_FIX_X_FOR reverse proxies, the client's address is the one the last of them saw (the rate
    limits, the audit trail and the logs read request.remote_addr); with 0, X-Forwarded-For is ignored."""
    hops = app.config["PROXY_FIX_X_FOR"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=0, x_host=0, x_port=0, x_prefix=0)
