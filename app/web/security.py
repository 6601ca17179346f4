"""Security headers on every response, through Flask-Talisman.

The Content-Security-Policy lets a page run only our own files: scripts and stylesheets from 'self',
plus the one inline script (the import map in layouts/base.html) and Turbo's progress-bar <style>,
both through the response's nonce (`csp_nonce()` in templates; Turbo reads it from
<meta name="csp-nonce">). Inline `style="width: N%"` attributes (progress bars, also in streamed
partials) are allowed by style-src-attr: an attribute cannot run script or load anything.
connect-src 'self' covers Turbo's fetches and the same-origin ws(s):// stream socket; a stream gateway on
another origin (STREAM_URL, named by <meta name="stream-url">: app/live/stream_url.py) is added to it per request.
form-action 'self' gains the single sign-on providers' origins (app/accounts/oidc.py): a provider's button posts here
and is redirected there, and browsers hold a form's redirects to form-action too.

rq-dashboard's pages (its own blueprint) are built from inline scripts and underscore templates
(`new Function`), so they get a looser script policy; app/admin keeps other sites away from them.

Plain HTTP is redirected to HTTPS in production only (FORCE_HTTPS), except the probes that a load
balancer or Prometheus send over the internal network; HSTS goes with every HTTPS response there.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request
from flask_talisman import Talisman

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
NONCE_IN = ["script-src", "style-src"]

RQ_DASHBOARD_POLICY = {
    **POLICY,
    "script-src": "'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src": "'self' 'unsafe-inline'",
}

# answered over plain HTTP even in production: health checks and metrics scrapes from inside the network
PLAIN_HTTP_ENDPOINTS = frozenset({"main.healthz", "metrics.metrics"})


class SecurityHeaders(Talisman):
    """Talisman with our two policies, chosen per request (its per-view options would live on
    rq-dashboard's view functions, which every app in the process shares). `connect_origin()` names the one
    other origin pages may open sockets to (the stream gateway's), or None; `form_action_origins()` the single
    sign-on providers' origins our forms lead to."""

    connect_origin: Callable[[], str | None] = staticmethod(lambda: None)
    form_action_origins: Callable[[], list[str]] = staticmethod(lambda: [])

    def _get_local_options(self):
        options = dict(super()._get_local_options())  # a copy: never write to a view's shared options
        if request.blueprint == "rq_dashboard":
            options.update(content_security_policy=RQ_DASHBOARD_POLICY, content_security_policy_nonce_in=[])
        else:
            policy = dict(POLICY)
            if (origin := self.connect_origin()) is not None:
                policy["connect-src"] = f"'self' {origin}"
            if sso_origins := self.form_action_origins():
                policy["form-action"] = " ".join(["'self'", *sso_origins])
            if policy != POLICY:
                options.update(content_security_policy=policy)
        if request.endpoint in PLAIN_HTTP_ENDPOINTS:
            options.update(force_https=False)
        return options


def register(app: Flask, connect_origin: Callable[[], str | None],
             form_action_origins: Callable[[], list[str]] = lambda: []) -> None:
    """One Talisman per app: it keeps its options on itself, and tests build apps of several kinds. The factory
    passes app.live.stream_url.stream_origin as `connect_origin` and the OpenID Connect providers' origins as
    `form_action_origins` (web plumbing imports neither the live layer nor a feature)."""
    production = app.config["APP_ENV"] == "production"
    headers = app.extensions["talisman"] = SecurityHeaders(
        app,
        content_security_policy=POLICY,
        content_security_policy_nonce_in=NONCE_IN,
        force_https=production and app.config["FORCE_HTTPS"],
        strict_transport_security=production,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    headers.connect_origin = connect_origin
    headers.form_action_origins = form_action_origins
