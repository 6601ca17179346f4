"""Tags (/tags, per organization) and tasks (on a project's edit page): managers, admins and owners."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.extensions import db
from app.models import Project, Tag, Task, TimeLogError
from app.time_tracking import labels
from app.time_tracking.project_routes import bp, managing_organizations
from app.web.form_filters import parse_id


def _tags_page(orgs, errors: dict | None = None, status: int = 200):
    return render_template("projects/tags.html", orgs=orgs, tags=labels.tags_of(o.id for o in orgs),
                           errors=errors or {}, name=request.form.get("name", "")), status


@bp.route("/tags", methods=["GET", "POST"])
@login_required
def tags():
    orgs = managing_organizations(current_user)
    if not orgs:
        abort(403, _("Only managers, admins and owners manage tags."))
    if request.method == "GET":
        return _tags_page(orgs)
    org_id = parse_id(request.form.get("organization_id", "")) if len(orgs) > 1 else orgs[0].id
    if org_id not in {o.id for o in orgs}:
        return _tags_page(orgs, {"organization_id": _("Choose an organization where you manage tags.")}, 422)
    try:
        tag = labels.create_tag(org_id, request.form.get("name", ""))
    except TimeLogError as exc:
        return _tags_page(orgs, {"name": str(exc)}, 422)
    flash(_("Tag %(name)s added.", name=tag.name), "success")
    return redirect(url_for("projects.tags"), code=303)


@bp.post("/tags/<id:tag_id>/delete")
@login_required
def delete_tag(tag_id):
    tag = db.session.get(Tag, tag_id)
    if tag is None or policies.role_in(current_user, tag.organization_id) is None and not current_user.is_system_admin:
        abort(404)
    if not policies.can_manage_projects(current_user, tag.organization_id):
        abort(403, _("Only managers, admins and owners manage tags."))
    labels.delete_tag(tag)
    flash(_("Tag %(name)s deleted.", name=tag.name), "success")
    return redirect(url_for("projects.tags"), code=303)


@bp.post("/projects/<id:project_id>/tasks")
@login_required
def new_task(project_id):
    project = policies.load(current_user, Project, project_id, "edit")
    try:
        task = labels.create_task(project, request.form.get("task_name", ""))
    except TimeLogError as exc:  # back to the project's page, which shows why (its form keeps its own fields)
        flash(str(exc), "error")
    else:
        flash(_("Task %(name)s added.", name=task.name), "success")
    return redirect(url_for("projects.edit", project_id=project.id), code=303)


@bp.post("/projects/<id:project_id>/tasks/<id:task_id>/delete")
@login_required
def delete_task(project_id, task_id):
    project = policies.load(current_user, Project, project_id, "edit")
    task = db.session.get(Task, task_id)
    if task is None or task.project_id != project.id:
        abort(404)
    labels.delete_task(task)
    flash(_("Task %(name)s deleted.", name=task.name), "success")
    return redirect(url_for("projects.edit", project_id=project.id), code=303)
