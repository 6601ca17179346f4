"""Personal settings: name, time zone, appearance and language, e-mail (confirmed by a link to the new address),
password (the current one required; sessions elsewhere are signed out), and the notification preferences' place."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user

from app.accounts import accounts, sso
from app.accounts.settings_forms import EmailChangeForm, PasswordChangeForm, ProfileForm, preferences_form
from app.models import Channel
from app.notifications import kinds as notification_kinds
from app.notifications import preferences as notification_preferences
from app.web.views import commit_and_redirect

bp = Blueprint("settings", __name__)

FORMS = {"profile": ProfileForm, "email": EmailChangeForm, "password": PasswordChangeForm}


def _render(status: int = 200, **forms):
    user = current_user
    context = {
        "profile": forms.get("profile") or ProfileForm(formdata=None, obj=user, prefix="profile"),
        "email": forms.get("email") or EmailChangeForm(formdata=None, prefix="email"),
        "password": forms.get("password") or PasswordChangeForm(formdata=None, prefix="password"),
        "zones": sorted(available_timezones()),
        "notifications": forms.get("notifications") or _saved_preferences(),
        "sso": sso.settings_rows(user),
    }
    return render_template("settings/index.html", **context), status


def _saved_preferences():
    user = current_user
    settings = notification_preferences.settings_for(user)
    data = {f"channel_{kind}": channel.value for kind, channel in notification_preferences.channels(user).items()}
    data.update(daily_digest=settings.daily_digest,
                quiet_start="" if settings.quiet_start is None else str(settings.quiet_start),
                quiet_end="" if settings.quiet_end is None else str(settings.quiet_end),
                reminder_at=settings.reminder_at)
    return preferences_form(notification_kinds.visible_to(user), formdata=None, **data)


@bp.get("/settings")
@login_required
def index():
    return _render()


@bp.post("/settings/profile")
@login_required
def profile():
    form = ProfileForm(prefix="profile")
    if not form.validate_on_submit():
        return _render(422, profile=form)
    current_user.name, current_user.time_zone = form.name.data, form.time_zone.data
    if form.idle_minutes.data is not None:  # left out: unchanged
        current_user.idle_minutes = form.idle_minutes.data
    if form.theme.raw_data:  # left out: unchanged
        current_user.theme = form.theme.data
    if form.language.raw_data:  # left out: unchanged; "": as the browser asks
        current_user.language = form.language.data or None
        refresh()  # this request's messages (the flash below) speak the new language too
    return commit_and_redirect(_("Your settings were saved."), "settings.index")


@bp.post("/settings/email")
@login_required
def email():
    form = EmailChangeForm(prefix="email")
    if form.validate_on_submit():
        try:
            accounts.request_email_change(current_user, form.email.data, form.current_password.data)
        except accounts.AccountError as exc:
            form.current_password.errors.append(str(exc))
        else:
            flash(_("We sent a link to %(email)s: open it to confirm your new address.", email=form.email.data), "info")
            return redirect(url_for("settings.index"), code=303)
    return _render(422, email=form)


@bp.get("/settings/email/confirm/<token>")
def confirm_email(token):
    try:
        user = accounts.confirm_email_change(token)
    except accounts.AccountError as exc:
        return render_template("auth/link_problem.html", message=str(exc)), 410
    flash(_("Your address is now %(email)s.", email=user.email), "success")
    return redirect(url_for("settings.index" if current_user.is_authenticated else "auth.login"), code=303)


@bp.post("/settings/password")
@login_required
def password():
    form = PasswordChangeForm(prefix="password")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as exc:
            form.current_password.errors.append(str(exc))
        else:
            login_user(current_user._get_current_object())  # this session goes on with the new session version
            flash(_("Your password was changed; your sessions elsewhere were signed out."), "success")
            return redirect(url_for("settings.index"), code=303)
    return _render(422, password=form)


@bp.post("/settings/notifications")
@login_required
def notifications():
    visible = notification_kinds.visible_to(current_user)
    form = preferences_form(visible, formdata=True)
    if not form.validate_on_submit():
        return _render(422, notifications=form)
    chosen = {kind.name: Channel(form[f"channel_{kind.name}"].data) for kind in visible}
    hour = lambda raw: int(raw) if raw else None  # noqa: E731
    notification_preferences.save(current_user, chosen, form.daily_digest.data, hour(form.quiet_start.data),
                                  hour(form.quiet_end.data), form.reminder_at.data)
    flash(_("Your notification preferences were saved."), "success")
    return redirect(url_for("settings.index") + "#notification-preferences", code=303)
