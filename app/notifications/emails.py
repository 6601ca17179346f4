"""A notification as an e-mail: plain-text and HTML bodies from templates (templates/mail/notification.*, plus
templates/mail/notifications/_<kind>.* for what a kind shows besides its body), with a signed unsubscribe link
for its kind (no sign-in needed) in the body and in the List-Unsubscribe header."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import format_date, get_locale, ngettext

from app import tokens
from app.i18n import speaking_to
from app.models import Notification, User
from app.notifications import kinds
from app.notifications.mail import app_url, app_url_for, send_email


def unsubscribe_token(user: User, kind: str) -> str:
    return tokens.make("unsubscribe", {"u": user.id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """(user id, kind); tokens.TokenInvalid / TokenExpired for anything else."""
    payload = tokens.read("unsubscribe", token)
    user_id, kind = payload.get("u"), payload.get("k")
    if not isinstance(user_id, int) or kind not in kinds.KINDS:
        raise tokens.TokenInvalid("unsubscribe")
    return user_id, kind


def render(template: str, **context) -> tuple[str, str]:
    """(text, html) of templates/mail/<template>.txt and .html, with links made absolute from APP_URL."""
    with current_app.test_request_context("/", base_url=current_app.config["APP_URL"]):
        context.setdefault("lang", str(get_locale() or "en"))  # the language it is written in (speaking_to)
        return (render_template(f"mail/{template}.txt", **context), render_template(f"mail/{template}.html", **context))


def absolute(link: str | None) -> str | None:
    return app_url(link) if link else None


def send_notification(notification: Notification, attachments=()) -> None:
    user = notification.user
    spec = kinds.get(notification.kind)
    unsubscribe = app_url_for("notifications.unsubscribe", token=unsubscribe_token(user, spec.name))
    with speaking_to(user):
        text, html = render("notification", notification=notification, user=user, kind=spec,
                            link=absolute(notification.link), unsubscribe=unsubscribe)
    send_email(user.email, notification.title, text, html, attachments=attachments,
               headers={"List-Unsubscribe": f"<{unsubscribe}>"})


def send_digest(user: User, notifications: list[Notification], day) -> None:
    with speaking_to(user):
        text, html = render("digest", notifications=notifications, user=user, day=day, absolute=absolute,
                            settings_url=absolute("/settings"))
        subject = ngettext("Your Timeboard digest for %(day)s: %(num)d notification(s)",
                           "Your Timeboard digest for %(day)s: %(num)d notification(s)", len(notifications),
                           day=format_date(day, "EEEE dd MMMM"))
    send_email(user.email, subject, text, html)
