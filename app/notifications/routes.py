"""In-app notifications: the list (unread first), mark read, mark all read, and the signed unsubscribe link of
notification e-mails (no sign-in needed: GET confirms, POST turns that kind's e-mail off)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import policies, tokens
from app.extensions import db
from app.models import User
from app.notifications import emails, inbox, kinds, preferences
from app.notifications.bell import unread_count
from app.web.form_filters import parse_page

bp = Blueprint("notifications", __name__)

PER_PAGE = 20


@bp.app_template_global()
def notification_count() -> int:
    return unread_count(current_user.id) if current_user.is_authenticated else 0


@bp.get("/notifications")
@login_required
def index():
    page = db.paginate(inbox.listing_query(current_user), page=parse_page(request.args.get("page", "1")) or 1,
                       per_page=PER_PAGE, error_out=False)
    return render_template("notifications/index.html", page=page, unread=notification_count())


@bp.post("/notifications/<id:notification_id>/read")
@login_required
def read(notification_id):
    inbox.mark_read(policies.load_notification(current_user, notification_id))
    return redirect(url_for("notifications.index"), code=303)


@bp.post("/notifications/<id:notification_id>/open")
@login_required
def open_(notification_id):
    """Follow a notification's link, marking it read on the way."""
    notification = policies.load_notification(current_user, notification_id)
    inbox.mark_read(notification)
    link = notification.link or ""
    if not link.startswith("/") or link.startswith("//") or "\\" in link:
        link = url_for("notifications.index")
    return redirect(link, code=303)


@bp.post("/notifications/read-all")
@login_required
def read_all():
    inbox.mark_all_read(current_user)
    return redirect(url_for("notifications.index"), code=303)


def _unsubscribe_target(token: str) -> tuple[User, kinds.Kind]:
    try:
        user_id, kind = emails.read_unsubscribe_token(token)
    except (tokens.TokenInvalid, tokens.TokenExpired):
        abort(404)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user, kinds.get(kind)


@bp.get("/notifications/unsubscribe/<token>")
def unsubscribe(token):
    """Asks to confirm; once this kind's e-mail is off (the answer to the confirmation), says so."""
    user, kind = _unsubscribe_target(token)
    done = not preferences.channel_for(user, kind.name).email
    return render_template("notifications/unsubscribe.html", token=token, kind=kind, email=user.email, done=done)


@bp.post("/notifications/unsubscribe/<token>")
def unsubscribe_confirm(token):
    user, kind = _unsubscribe_target(token)
    preferences.unsubscribe(user, kind.name)
    return redirect(url_for("notifications.unsubscribe", token=token), code=303)
