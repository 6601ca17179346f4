"""Share links: on a report's page whoever may see it makes a link (1, 7 or 30 days) and revokes it; the link,
/shared/reports/<secret>, shows the report read-only without signing in (its tabs and its file, no way into the
app, noindex) until it expires or is revoked (410, a page that says so; an unknown secret 404)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.extensions import db
from app.models import Report, ReportShare
from app.reports import archival, files, runs, screens, shares
from app.web.form_filters import parse_id

bp = Blueprint("report_shares", __name__)

ROBOTS = "noindex, nofollow, noarchive"


def _report(report_id) -> Report:
    report = policies.load(current_user, Report, report_id)
    if not policies.can_share_report(current_user, report):
        abort(404)
    return report


@bp.post("/reports/<id:report_id>/shares")
@login_required
def create(report_id):
    report = _report(report_id)
    try:
        _share, secret = shares.create(report, current_user, parse_id(request.form.get("days")))
    except shares.ShareError as exc:
        flash(str(exc), "error")
        return redirect(url_for("reports.show", report_id=report.id), 303)
    flash(url_for("report_shares.shared", secret=secret, _external=True), "share-link")
    return redirect(url_for("reports.show", report_id=report.id), 303)


@bp.post("/reports/<id:report_id>/shares/<id:share_id>/revoke")
@login_required
def revoke(report_id, share_id):
    report = _report(report_id)
    share = db.session.scalar(select(ReportShare).where(ReportShare.id == share_id, ReportShare.report_id == report.id))
    if share is None:
        abort(404)
    shares.revoke(share, current_user)
    flash(_("Share link revoked: it no longer opens the report."), "info")
    return redirect(url_for("reports.show", report_id=report.id), 303)


def _gone(exc: shares.ShareGone):
    response = render_template("reports/shared_gone.html", message=exc.message, status=exc.status)
    return response, exc.status, {"X-Robots-Tag": ROBOTS, "Cache-Control": "no-store"}


@bp.get("/shared/reports/<secret>")
def shared(secret):
    try:
        share = shares.resolve(secret)
    except shares.ShareGone as exc:
        return _gone(exc)
    report = share.report
    page = render_template(
        "reports/shared.html", report=report, share=share, r=runs.snapshot(report),
        shared_download=url_for("report_shares.download", secret=secret),
        **screens.context(report, request.args, lambda **a: url_for("report_shares.shared", secret=secret, **a)))
    return page, 200, {"X-Robots-Tag": ROBOTS, "Cache-Control": "no-store"}


@bp.get("/shared/reports/<secret>/download")
def download(secret):
    try:
        share = shares.resolve(secret)
    except shares.ShareGone as exc:
        return _gone(exc)
    report = share.report
    if not files.file_exists(report):
        return _gone(shares.ShareGone(410, _("This report's file is no longer available.")))
    ext = (report.file_name or "").rsplit(".", 1)[-1]
    response = send_file(archival.open_file(report), mimetype=files.MIME.get(ext, "application/octet-stream"),
                         as_attachment=True, download_name=report.file_name, max_age=0)
    response.headers["X-Robots-Tag"] = ROBOTS
    return response
