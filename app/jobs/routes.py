from flask_login import login_required

from app.jobs import bp


@bp.get("/jobs")
@login_required
def index():
    return "jobs"
