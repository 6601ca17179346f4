from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import accounts, sign_in_limits
from app.accounts.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from app.accounts.sessions import authenticate, sign_out_everywhere
from app.accounts.sign_in import continue_sign_in, remember_browser_language, sign_in_limit
from app.extensions import limiter

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if (target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and target.isprintable()):  # browsers read /\evil and /<tab>/evil as //evil
        return target
    return url_for("dashboard.user")


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.user"), code=303)
    form = LoginForm()
    if form.validate_on_submit():
        attempt = sign_in_limits.Attempt(form.email.data)
        if wait := attempt.locked_for():
            form.password.errors.append(sign_in_limits.wait_message(wait))
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            attempt.failed()
            form.password.errors.append(_("Email or password is incorrect."))
            return render_template("auth/login.html", form=form), 422
        return continue_sign_in(user, form.remember_me.data, _safe_next(request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Signs out everywhere: this session, the remember cookie, other sessions and open sockets of this user."""
    sign_out_everywhere(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


# -- sign-up and password reset (no account enumeration: the same answer whatever the address) --------------
@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"],
               error_message=lambda: _("Too many sign-ups from here. Wait a minute and try again."))
def signup():
    if not current_app.config["ALLOW_SIGNUP"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.user"), code=303)
    form = SignupForm()
    if form.validate_on_submit():
        try:
            accounts.request_signup(form.name.data, form.email.data, form.password.data, form.time_zone.data)
        except accounts.ServiceUnavailable as exc:
            abort(503, str(exc))
        return _check_email("signup", form.email.data)
    return render_template("auth/signup.html", form=form), (422 if request.method == "POST" else 200)


# what the e-mail that was just sent is for; the answer to the form is a 303 to /check-email (Turbo shows no 200)
CHECK_EMAIL = {"signup": _l("Open the link we sent to finish creating your account."),
               "password-reset": _l("If it belongs to an account, the e-mail has a link to set a new password.")}


def _check_email(kind: str, email: str):
    session["check_email"] = {"kind": kind, "email": email}
    return redirect(url_for("auth.check_email"), code=303)


@bp.get("/check-email")
def check_email():
    """Once: the address is kept in the session only until this page has shown it."""
    sent = session.pop("check_email", None)
    if not isinstance(sent, dict) or sent.get("kind") not in CHECK_EMAIL:
        return redirect(url_for("auth.login"))
    return render_template("auth/check_email.html", email=sent.get("email"), what=CHECK_EMAIL[sent["kind"]])


@bp.get("/signup/confirm/<token>")
def confirm_signup(token):
    if not current_app.config["ALLOW_SIGNUP"]:
        abort(404)
    try:
        user = accounts.confirm_signup(token)
    except accounts.ServiceUnavailable as exc:
        abort(503, str(exc))
    except accounts.AccountError as exc:
        return render_template("auth/link_problem.html", message=str(exc)), 410
    login_user(user)
    remember_browser_language(user)
    flash(_("Welcome to Timeboard, %(name)s. Create an organization, or open an invitation you received.",
            name=user.name), "success")
    return redirect(url_for("organizations.new_organization"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"],
               error_message=lambda: _("Too many reset requests from here. Wait a minute and try again."))
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.request_password_reset(form.email.data)
        except accounts.ServiceUnavailable as exc:
            abort(503, str(exc))
        return _check_email("password-reset", form.email.data)
    return render_template("auth/forgot_password.html", form=form), (422 if request.method == "POST" else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"],
               error_message=lambda: _("Too many attempts. Wait a minute and try again."))
def reset_password(token):
    try:
        accounts.user_for_reset(token)
    except accounts.AccountError as exc:
        return render_template("auth/link_problem.html", message=str(exc)), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data)
        logout_user()
        flash(_("Your password was changed; every other session of yours was signed out."), "success")
        return continue_sign_in(user, False, url_for("dashboard.user"))  # the code step too, when 2FA is on
    return render_template("auth/reset_password.html", form=form), (422 if request.method == "POST" else 200)
