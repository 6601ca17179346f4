"""What a signed-out request for a page behind @login_required gets: the sign-in page, with `next` the page to
come back to. A form posted after the session ended (another tab signed out, the session was revoked) is sent
there with a 303, as every form answer, and comes back to the page it was posted from: the POST-only URL itself
would answer 405 once signed in."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import login_url
from flask_login.config import LOGIN_MESSAGE

from app.extensions import login_manager


def unauthorized():
    if login_manager.login_message:
        message = login_manager.login_message
        if message == LOGIN_MESSAGE:  # Flask-Login's own
            message = _("Please log in to access this page.")
        flash(message, login_manager.login_message_category)
    if request.method in ("GET", "HEAD"):
        return redirect(login_url(login_manager.login_view, next_url=request.url))
    return redirect(login_url(login_manager.login_view, next_url=_referring_page()), code=303)


def _referring_page() -> str | None:
    """The path (and query) of the page the form was on, when it is one of ours."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
