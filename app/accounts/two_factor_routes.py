"""The code step of signing in, for accounts with two-factor sign-in: a code from the app or a recovery code."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import policies
from app.accounts import sign_in_limits
from app.accounts import two_factor as codes
from app.accounts.forms import TwoFactorForm
from app.accounts.routes import bp
from app.accounts.sign_in import code_failed, finish_sign_in, pending_user, sign_in_limit


@bp.route("/login/two-factor", methods=["GET", "POST"])
@sign_in_limit
def two_factor():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.user"), code=303)
    user, pending = pending_user()
    if user is None:
        flash(_("Sign in again: the code step expired."), "info")
        return redirect(url_for("auth.login"), code=303)
    form = TwoFactorForm()
    if form.validate_on_submit():
        attempt = sign_in_limits.Attempt(user.email)
        if wait := attempt.locked_for():
            form.code.errors.append(sign_in_limits.wait_message(wait))
            response = render_template("auth/two_factor.html", form=form), 429, {"Retry-After": str(wait)}
            return response
        factor = codes.check(user, form.code.data)
        if factor is None:
            attempt.failed()
            if code_failed(pending):
                flash(_("Too many wrong codes: sign in again."), "error")
                return redirect(url_for("auth.login"), code=303)
            form.code.errors.append(_("That code is not right."))
            return render_template("auth/two_factor.html", form=form), 422
        if factor == codes.Factor.RECOVERY:
            left = codes.recovery_codes_left(user)
            flash(ngettext("You signed in with a recovery code; %(num)d left. Make new ones in your settings if you "
                           "need them.",
                           "You signed in with a recovery code; %(num)d left. Make new ones in your settings if you "
                           "need them.", left), "info")
        return finish_sign_in(user, pending.get("r", False), pending.get("n") or url_for("dashboard.user"))
    return render_template("auth/two_factor.html", form=form), (422 if request.method == "POST" else 200)


@bp.before_app_request
def require_two_factor_where_an_organization_does():
    """A member of an organization that requires two-factor sign-in, without it, is sent to set it up first."""
    if request.endpoint in policies.TWO_FACTOR_OPEN_ENDPOINTS or not current_user.is_authenticated:
        return None
    if not policies.two_factor_required_by(current_user):
        return None
    return redirect(url_for("settings.two_factor"), code=303)
