from flask_login import login_required

from app.projects import bp


@bp.get("/projects")
@login_required
def index():
    return "projects"
