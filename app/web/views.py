"""The end of a small form action: load -> act -> commit -> flash -> redirect (303).

    project = policies.load(current_user, Project, project_id, "edit")
    project.archive()
    return commit_and_redirect(f"Project {project.name} archived.", "projects.index")
"""
from __future__ import annotations

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from app.extensions import db


def commit_and_redirect(message: str, endpoint: str, category: str = "success", **values) -> Response:
    """Commit the action, flash `message` and answer 303 See Other to url_for(endpoint, **values) (Turbo follows a
    303 after a form POST)."""
    db.session.commit()
    flash(message, category)
    return redirect(url_for(endpoint, **values), code=303)
