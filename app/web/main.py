from flask import Blueprint, redirect, url_for
from flask_login import current_user

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return redirect(url_for("dashboard.user" if current_user.is_authenticated else "auth.login"))


@bp.get("/healthz")
def healthz():
    return {"ok": True}
