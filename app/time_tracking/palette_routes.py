"""/palette.json (a page of the time_logs blueprint): what the command palette (Ctrl-K) lists besides the page's own
navigation links: the projects the signed-in person may start a timer on, and nothing else."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from app.time_tracking import entries
from app.time_tracking.routes import bp


@bp.get("/palette.json")
@login_required
def palette():
    projects = entries.loggable_projects(current_user)
    response = jsonify(projects=[{"id": project.id, "name": project.name, "organization": project.organization.name}
                                 for project in projects[:500]])
    response.headers["Cache-Control"] = "private, no-store"
    return response
