"""A full export of an organization (owners only, policies "export"): its page with the "Export everything" button
and the exports' live progress, asking for one, and downloading one while it is kept (7 days)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.extensions import db
from app.live.topics import ExportTopic
from app.models import Export, ExportState
from app.organizations import exports as service
from app.organizations.routes import bp


@bp.get("/organizations/<id:org_id>/export")
@login_required
def export(org_id):
    org = policies.authorize_org(current_user, "export", org_id)
    return render_template("organizations/export.html", org=org, exports=service.exports_of(org.id),
                           stream_topics=[ExportTopic(org.id)])


@bp.post("/organizations/<id:org_id>/export")
@login_required
def request_export(org_id):
    org = policies.authorize_org(current_user, "export", org_id)
    export = service.request_export(current_user, org)
    if export.status == ExportState.FAILED:
        flash(export.error_message or _("The export could not be queued."), "error")
    else:
        flash(_("Export asked for: it is written in the background; you will be notified when it is ready."), "info")
    return redirect(url_for("organizations.export", org_id=org.id), 303)


@bp.get("/organizations/<id:org_id>/exports/<id:export_id>/download")
@login_required
def download_export(org_id, export_id):
    org = policies.authorize_org(current_user, "export", org_id)
    export = db.session.get(Export, export_id)
    if export is None or export.organization_id != org.id:
        abort(404)
    path = service.file_path(export)
    if path is None:
        abort(404, _("This export has no file: it is not finished, or it expired (exports are kept 7 days)."))
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=service.download_name(export), max_age=0)
