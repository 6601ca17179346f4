"""Two-factor sign-in in personal settings: enrol (QR code, confirm with a code, then the recovery codes shown
once), make new recovery codes and turn it off (both with the password). Every change is audited
(app/services/two_factor.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.accounts import two_factor as service
from app.accounts.settings_forms import TwoFactorCodeForm, TwoFactorPasswordForm
from app.accounts.settings_routes import bp

SHOW_CODES = "recovery_codes_to_show"  # the codes just made, until their page has shown them once


def _render(status: int = 200, **forms):
    user = current_user._get_current_object()
    context = {"required_by": policies.two_factor_required_by(user),
               "enable": forms.get("enable") or TwoFactorCodeForm(formdata=None, prefix="enable"),
               "disable": forms.get("disable") or TwoFactorPasswordForm(formdata=None, prefix="disable"),
               "regenerate": forms.get("regenerate") or TwoFactorPasswordForm(formdata=None, prefix="regenerate")}
    if user.two_factor_enabled:
        context["codes_left"] = service.recovery_codes_left(user)
    else:
        context["secret"] = service.secret_for_enrolment(user)
        context["qr"] = service.qr_svg(service.provisioning_uri(user))
    return render_template("settings/two_factor.html", **context), status


@bp.get("/settings/two-factor")
@login_required
def two_factor():
    return _render()


@bp.post("/settings/two-factor/enable")
@login_required
def two_factor_enable():
    if current_user.two_factor_enabled:  # a double submit, or another tab enabled it: nothing to confirm
        flash(_("Two-factor sign-in is already on."), "info")
        return redirect(url_for("settings.two_factor"), code=303)
    form = TwoFactorCodeForm(prefix="enable")
    if form.validate_on_submit():
        try:
            codes = service.enable(current_user._get_current_object(), form.code.data)
        except service.TwoFactorError as exc:
            form.code.errors.append(str(exc))
        else:
            session[SHOW_CODES] = codes
            flash(_("Two-factor sign-in is on."), "success")
            return redirect(url_for("settings.two_factor_codes"), code=303)
    return _render(422, enable=form)


@bp.get("/settings/two-factor/recovery-codes")
@login_required
def two_factor_codes():
    codes = session.pop(SHOW_CODES, None)
    if not codes:
        return redirect(url_for("settings.two_factor"), code=303)
    response = render_template("settings/recovery_codes.html", codes=codes)
    return response, 200, {"Cache-Control": "no-store"}


@bp.post("/settings/two-factor/recovery-codes")
@login_required
def two_factor_recovery_codes():
    form = TwoFactorPasswordForm(prefix="regenerate")
    if form.validate_on_submit():
        try:
            codes = service.new_recovery_codes(current_user._get_current_object(), form.password.data)
        except service.TwoFactorError as exc:
            form.password.errors.append(str(exc))
        else:
            session[SHOW_CODES] = codes
            return redirect(url_for("settings.two_factor_codes"), code=303)
    return _render(422, regenerate=form)


@bp.post("/settings/two-factor/disable")
@login_required
def two_factor_disable():
    form = TwoFactorPasswordForm(prefix="disable")
    if form.validate_on_submit():
        try:
            service.disable(current_user._get_current_object(), form.password.data)
        except service.TwoFactorError as exc:
            form.password.errors.append(str(exc))
        else:
            flash(_("Two-factor sign-in is off."), "info")
            return redirect(url_for("settings.index"), code=303)
    return _render(422, disable=form)
