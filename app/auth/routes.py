from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from app.auth import bp
from app.auth.forms import LoginForm
from app.extensions import db, limiter
from app.models import User


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
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append("Email or password is incorrect.")
            return render_template("auth/login.html", form=form), 422
        login_user(user, remember=form.remember_me.data)
        return redirect(_safe_next(request.args.get("next")), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), code=303)
