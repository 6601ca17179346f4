from flask import redirect, url_for
from flask_login import current_user

from app.main import bp


@bp.get("/")
def index():
    return redirect(url_for("dashboard.user" if current_user.is_authenticated else "auth.login"))


@bp.get("/healthz")
def healthz():
    return {"ok": True}
