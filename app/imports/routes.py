"""Imports: /organizations/<id>/imports (upload a file, the imports so far), /organizations/<id>/imports/<id>
(the dry run's plan streaming in, then Import and Undo). Owners, admins and managers (policies: import_time)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import defer

from app import policies
from app.background.enqueue import JobActionError
from app.extensions import db
from app.imports import reader, runs
from app.imports.forms import MAX_FILE_BYTES, ImportForm
from app.imports.rows import FileProblem
from app.live.topics import ImportTopic
from app.models import Import, Organization

bp = Blueprint("imports", __name__)

LIST_LIMIT = 50


def _organization(org_id) -> Organization:
    organization = policies.load(current_user, Organization, org_id)
    if not policies.can_org(current_user, "import_time", organization.id):
        abort(403)
    return organization


@bp.route("/organizations/<id:org_id>/imports", methods=["GET", "POST"])
@login_required
def index(org_id):
    organization = _organization(org_id)
    form = ImportForm()
    if request.method == "GET":
        form.time_zone.data = organization.time_zone or "UTC"
    if form.validate_on_submit():
        content = _uploaded(form)
        if content is not None:
            record = runs.create_import(current_user, organization, form.file.data.filename or "import.csv", content,
                                        form.format.data, form.time_zone.data or organization.time_zone or "UTC",
                                        form.assign_unmatched.data,
                                        form.mapping())
            return redirect(url_for("imports.show", org_id=organization.id, import_id=record.id), code=303)
    query = select(Import).where(Import.organization_id == organization.id)
    if not policies.is_org_wide(current_user, organization.id):
        query = query.where(Import.user_id == current_user.id)
    imports = db.session.scalars(query.options(defer(Import.content), defer(Import.plan), defer(Import.errors),
                                               defer(Import.created))
                                 .order_by(Import.id.desc()).limit(LIST_LIMIT))  # a file is up to 5 MB
    return render_template("imports/index.html", organization=organization, form=form, imports=list(imports)), \
        (422 if request.method == "POST" else 200)


def _uploaded(form: ImportForm) -> str | None:
    """The file's text once it passes the checks that need no parsing (size, CSV, its header); else None, the
    reason on the form."""
    upload = form.file.data
    if upload is None or not hasattr(upload, "read") or not upload.filename:
        form.file.errors.append(_("Choose a CSV file to upload."))
        return None
    if not upload.filename.lower().endswith(".csv"):
        form.file.errors.append(_("Only CSV files can be imported: export your time as CSV."))
        return None
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        form.file.errors.append(_("The file is larger than %(size)s MB: split it into smaller files.",
                                  size=MAX_FILE_BYTES // (1024 * 1024)))
        return None
    try:
        text = reader.decode(data)
        reader.check(text, None if form.format.data == "auto" else form.format.data, form.mapping())
    except FileProblem as exc:
        form.file.errors.append(str(exc))
        return None
    return text


@bp.route("/organizations/<id:org_id>/imports/<id:import_id>")
@login_required
def show(org_id, import_id):
    organization = policies.load(current_user, Organization, org_id)
    record = policies.load_import(current_user, organization, import_id)
    return render_template("imports/show.html", organization=organization, record=record,
                           i=runs.snapshot(record), stream_topics=[ImportTopic(record.id)])


@bp.route("/organizations/<id:org_id>/imports/<id:import_id>/confirm", methods=["POST"])
@login_required
def confirm(org_id, import_id):
    organization = _organization(org_id)
    record = policies.load_import(current_user, organization, import_id)
    try:
        runs.run_later(record)
    except JobActionError as exc:
        abort(409, description=str(exc))
    flash(_("Importing…"), "success")
    return redirect(url_for("imports.show", org_id=organization.id, import_id=record.id), code=303)


@bp.route("/organizations/<id:org_id>/imports/<id:import_id>/undo", methods=["POST"])
@login_required
def undo(org_id, import_id):
    organization = _organization(org_id)
    record = policies.load_import(current_user, organization, import_id)
    try:
        runs.undo(record, current_user)
    except JobActionError as exc:
        abort(409, description=str(exc))
    flash(record.message, "success")
    return redirect(url_for("imports.show", org_id=organization.id, import_id=record.id), code=303)
