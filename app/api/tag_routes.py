"""Tags (an organization's) and tasks (a project's): read, for scripts and importers that name them on entries."""
from __future__ import annotations

from flask import jsonify

from app import policies
from app.api import representations
from app.api.auth import api_user
from app.api.routes import bp
from app.models import Organization, Project
from app.time_tracking import labels


@bp.get("/organizations/<id:organization_id>/tags")
def tags(organization_id):
    org = policies.load(api_user(), Organization, organization_id)
    return jsonify(data=[representations.tag(t) for t in labels.tags_of([org.id])])


@bp.get("/projects/<id:project_id>/tasks")
def tasks(project_id):
    project = policies.load(api_user(), Project, project_id)
    return jsonify(data=[representations.task(t) for t in labels.tasks_of([project.id])])
