"""One rate limit for every way a person starts a report: REPORTS_RATE_LIMIT (30 a minute) per user, shared by
asking for one on /reports, retrying one, running one again, running a saved report, retrying a report's job on
/jobs, and running the recurring round that starts the scheduled reports (system admins, on /jobs). Each route
takes `starts_a_report(...)`; they count into one Flask-Limiter shared scope, so four routes no longer give four
times the limit.

The start over the limit is refused before its view runs (nothing is created or enqueued): the person is sent
back to the page they came from (303) and reads why in a flash message, as with any refused form."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import limiter
from app.web.local_paths import local_path

SCOPE = "report-starts"
# the recurring entry whose round starts the scheduled reports (app/services/notifications/digest.py)
SCHEDULED_REPORTS_ENTRY = "notification_digests"


def _limit() -> str:
    return current_app.config["REPORTS_RATE_LIMIT"]


def _key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "-"


def message() -> str:
    return _("Too many reports started at once (at most %(limit)s, counting new reports, retries, runs again and "
             "saved reports run). Wait a minute and try again.", limit=_limit())


def _refused(_limit_hit):
    """on_breach: a flash and a 303 back to where the person was (their form posted from one of our pages)."""
    flash(message(), "error")
    return redirect(_back(), 303)


def _back() -> str:
    path = local_path(request.form.get("next") or request.referrer)
    if path is None:
        return url_for("job_monitor.index") if request.path.startswith("/jobs") else url_for("reports.index")
    return path


def runs_scheduled_reports(recurring_entry: str | None) -> bool:
    return recurring_entry == SCHEDULED_REPORTS_ENTRY


def starts_a_report(exempt_when: Callable[[], bool] | None = None):
    """Decorate a POST route that starts a report (exempt_when: the requests of the route that start none)."""
    return limiter.shared_limit(_limit, scope=SCOPE, key_func=_key, methods=["POST"], error_message=message,
                                on_breach=_refused, exempt_when=exempt_when)
