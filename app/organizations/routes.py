from flask_login import login_required

from app.organizations import bp


@bp.get("/organizations")
@login_required
def index():
    return "organizations"
