"""Security headers on every response, through Flask-Talisman.

The Content-Security-Policy lets a page run only our own files: scripts and stylesheets from 'self',
plus the one inline script (the import map in layouts/base.html) and Turbo's progress-bar <style>,
both through the response's nonce (`csp_nonce()` in templates; Turbo reads it from
<meta name="csp-nonce">). Inline `style="width: N%"` attributes (progress bars, also in streamed
partials) are allowed by style-src-attr: an attribute cannot run script or load anything.
connect-src 'self' covers Turbo's fetches and the same-origin ws(s):// stream socket; a stream gateway on
another origin (STREAM_URL, named by <meta name="stream-url">: app/live/stream_url.py) is added to it per request.

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
    other origin pages may open sockets to (the stream gateway's), or None."""

    connect_origin: Callable[[], str | None] = staticmethod(lambda: None)

    def _get_local_options(self):
        options = dict(super()._get_local_options())  # a copy: never write to a view's shared options
        if request.blueprint == "rq_dashboard":
            options.update(content_security_policy=RQ_DASHBOARD_POLICY, content_security_policy_nonce_in=[])
        elif (origin := self.connect_origin()) is not None:
            options.update(content_security_policy={**POLICY, "connect-src": f"'self' {origin}"})
        if request.endpoint in PLAIN_HTTP_ENDPOINTS:
            options.update(force_https=False)
        return options


def register(app: Flask, connect_origin: Callable[[], str | None]) -> None:
    """One Talisman per app: it keeps its options on itself, and tests build apps of several kinds. The factory
    passes app.live.stream_url.stream_origin as `connect_origin` (web plumbing does not import the live layer)."""
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
