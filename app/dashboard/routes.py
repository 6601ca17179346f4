from flask import render_template
from flask_login import login_required

from app.dashboard import bp


@bp.get("/dashboard")
@login_required
def user():
    return render_template("dashboard/placeholder.html")
