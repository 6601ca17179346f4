from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.forms import LoginForm
from app.extensions import limiter
from app.services.sessions import authenticate, sign_out_everywhere

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if (target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and target.isprintable()):  # browsers read /\evil and /<tab>/evil as //evil
        return target
    return url_for("dashboard.user")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               error_message="Too many sign-in attempts. Wait a minute and try again.")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.user"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("Email or password is incorrect.")
            return render_template("auth/login.html", form=form), 422
        login_user(user, remember=form.remember_me.data)
        return redirect(_safe_next(request.args.get("next")), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Signs out everywhere: this session, the remember cookie, other sessions and open sockets of this user."""
    sign_out_everywhere(current_user._get_current_object())
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), code=303)
