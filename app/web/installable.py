"""What makes Timeboard installable on a phone or desktop (issue 24): the web app manifest, the service worker
and the page it shows for a page it cannot fetch.

The service worker (static/js/service_worker.js) is served from the site's root so that its scope is every page.
It keeps the static files it has fetched, the last copy of the timer page (/time-logs, so the timer can be
started and stopped without a connection: static/js/controllers/offline_timer_controller.js) and /offline,
shown for any other page asked for offline. Pages and API answers are never served from it while online.
"""
from __future__ import annotations

from flask import current_app, render_template, send_from_directory, url_for
from flask_babel import gettext as _

from app.i18n import page_language
from app.web.main import bp

THEME_COLOR = "#1d2433"  # the top bar's (static/css/app.css --topbar, light)


@bp.app_template_global()
def theme_color() -> str:
    """The browser's toolbar colour, in the pages' <meta name="theme-color"> as in the manifest."""
    return THEME_COLOR


@bp.get("/manifest.webmanifest")
def manifest():
    icon = lambda name, size, purpose="any": {  # noqa: E731
        "src": url_for("static", filename=f"icons/{name}"), "sizes": size, "type": "image/png", "purpose": purpose}
    body = {
        "name": "Timeboard",
        "short_name": "Timeboard",
        "description": _("Time tracking with live dashboards"),
        "lang": page_language(),
        "id": "/",
        "start_url": url_for("time_logs.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f5f1",
        "theme_color": THEME_COLOR,
        "icons": [icon("icon-192.png", "192x192"), icon("icon-512.png", "512x512"),
                  icon("icon-maskable-512.png", "512x512", "maskable")],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/service-worker.js")
def service_worker():
    """Its script, revalidated on every visit (a browser also checks it daily): a new one takes over at once."""
    response = send_from_directory(current_app.static_folder, "js/service_worker.js", max_age=0,
                                   mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    """What the service worker shows for a page it cannot fetch and has no copy of. Signed in or not, the same
    page: it is kept for everyone on the device, so it names nobody."""
    return render_template("offline.html")
