"""Reports: /reports (the form, your reports, your saved definitions), /reports/<id> (live progress, then
the summary and the download), and the actions on a report or a definition. Views parse, call
app.reports, render; every record goes through app.policies."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.background.enqueue import JobActionError
from app.extensions import db
from app.live.topics import ReportTopic
from app.models import Client, Membership, Organization, Project, Report, ReportDefinition, Team, TeamMembership, User
from app.reports import archival, files, runs, schedules, screens, shares
from app.reports.forms import ReportForm
from app.reports.limits import starts_a_report
from app.reports.params import ParamError, ReportParams, check, describe, range_in_words
from app.time_tracking import labels
from app.timezones import to_local, utcnow
from app.web.form_filters import parse_id

bp = Blueprint("reports", __name__)

LIST_LIMIT = 100


# -- the form ---------------------------------------------------------------------------------------------
def _organizations() -> list[Organization]:
    query = policies.organization_scope(current_user).order_by(Organization.name)
    return list(db.session.scalars(query.limit(500)))


def _form(orgs: list[Organization]) -> ReportForm:
    form = ReportForm()
    member_orgs = policies.organization_ids(current_user)
    wanted = parse_id(request.values.get("organization_id"))
    org_ids = member_orgs or ([wanted] if wanted else [o.id for o in orgs[:1]])
    if current_user.is_system_admin and wanted and wanted not in org_ids:
        org_ids = [wanted]
    projects = db.session.scalars(policies.project_scope(current_user).where(Project.organization_id.in_(org_ids))
                                  .order_by(Project.name))
    clients = db.session.scalars(policies.client_scope(current_user).where(
        Client.organization_id.in_(org_ids)).order_by(Client.name))
    teams = db.session.scalars(policies.team_scope(current_user).where(Team.organization_id.in_(org_ids))
                               .order_by(Team.name))
    projects = list(projects)
    form.set_choices(orgs, projects, list(clients), _people(org_ids), list(teams),
                     labels.tasks_of(p.id for p in projects), labels.tags_of(org_ids))
    if request.method == "GET" and member_orgs:
        form.organization_id.data = member_orgs[0] if len(member_orgs) == 1 else form.organization_id.data
    return form


def _people(org_ids: list[int]) -> list[User]:
    """The people whose time the user may report on: everyone where they are owner/admin, their managed
    teams' members, and themselves."""
    wide = [o for o in org_ids if policies.is_org_wide(current_user, o)]
    managed = policies.managed_team_ids(current_user)
    query = select(User).where(
        (User.id == current_user.id)
        | User.id.in_(select(Membership.user_id).where(Membership.organization_id.in_(wide)))
        | User.id.in_(select(TeamMembership.user_id).where(TeamMembership.team_id.in_(managed))))
    return list(db.session.scalars(query.order_by(User.name)))


def _index(form: ReportForm, status: int = 200):
    newest = policies.report_scope(current_user).order_by(Report.created_at.desc(), Report.id.desc())
    reports = [runs.sync_with_job(r) for r in db.session.scalars(newest.limit(LIST_LIMIT)).all()]
    definitions = db.session.scalars(policies.definition_scope(current_user).order_by(ReportDefinition.name)).all()
    return render_template("reports/index.html", form=form, reports=reports, definitions=definitions,
                           describe=_describe, file_exists=files.file_exists,
                           range_words=lambda p: range_in_words(ReportParams.from_dict(p)),
                           schedules=schedules.schedules_of([d.id for d in definitions]),
                           schedule_words=schedules.in_words), status


def _describe(params: dict) -> str:
    return describe(ReportParams.from_dict(params))


@bp.get("/reports")
@login_required
def index():
    return _index(_form(_organizations()))


@bp.post("/reports")
@login_required
@starts_a_report()
def create():
    form = _form(_organizations())
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        params = form.to_params(current_user.time_zone or "UTC")
        org = db.session.get(Organization, params.organization_id)
        if org is None or not policies.can_report_on(current_user, org.id):
            raise ParamError({"organization_id": _("Choose one of your organizations.")})
        asked = params  # a saved definition keeps the preset ("last month"), not today's dates
        params = check(params.resolved(to_local(utcnow(), current_user.zone).date(), org.week_start or 0))
    except ParamError as exc:
        form.show_errors(exc)
        return _index(form, 422)
    if form.save_as.data:
        runs.save_definition(current_user, form.save_as.data, asked if asked.range != "custom" else params)
    report = runs.create_report(current_user, params)
    return redirect(url_for("reports.show", report_id=report.id), 303)


# -- one report -------------------------------------------------------------------------------------------
def _load(report_id: int, action: str = "view") -> Report:
    return policies.load(current_user, Report, report_id, action)


@bp.get("/reports/<id:report_id>")
@login_required
def show(report_id):
    report = runs.sync_with_job(_load(report_id))
    return render_template("reports/show.html", report=report, r=runs.snapshot(report),
                           stream_topics=[ReportTopic(report.id)],
                           is_owner=report.user_id == current_user.id, streams_weeks=screens.streams_weeks(report),
                           can_share=policies.can_share_report(current_user, report),
                           share_links=shares.live_links(report), share_lifetimes=shares.LIFETIMES,
                           **screens.context(report, request.args,
                                             lambda **a: url_for("reports.show", report_id=report.id, **a),
                                             viewer=current_user))


@bp.get("/reports/<id:report_id>/eta")
@login_required
def eta_frame(report_id):
    """The report's time to start, read again by its page while it waits (templates/job_monitor/_eta.html)."""
    report = _load(report_id)
    return render_template("job_monitor/_eta.html", frame_id=f"report-{report.id}-eta",
                           words=runs.time_to_start(report))


@bp.get("/reports/<id:report_id>/download")
@login_required
def download(report_id):
    report = _load(report_id)
    if report.status != "completed":
        abort(404, _("This report has no file yet."))
    if not files.file_exists(report):
        flash(_("The report's file is missing: run it again."), "error")
        return redirect(url_for("reports.show", report_id=report.id), 303)
    ext = (report.file_name or "").rsplit(".", 1)[-1]
    return send_file(archival.open_file(report), mimetype=files.MIME.get(ext, "application/octet-stream"),
                     as_attachment=True, download_name=report.file_name, max_age=0)


@bp.post("/reports/<id:report_id>/cancel")
@login_required
def cancel(report_id):
    report = _load(report_id, "edit")
    try:
        runs.cancel(report)
    except JobActionError as exc:
        abort(409, str(exc))
    flash(_("Report canceled."), "info")
    return redirect(url_for("reports.show", report_id=report.id), 303)


@bp.post("/reports/<id:report_id>/retry")
@login_required
@starts_a_report()
def retry(report_id):
    report = _load(report_id, "edit")
    try:
        runs.retry(report)
    except JobActionError as exc:
        abort(409, str(exc))
    except ParamError as exc:
        flash(_("This report can no longer run: %(reason)s", reason=exc), "error")
    return redirect(url_for("reports.show", report_id=report.id), 303)


@bp.post("/reports/<id:report_id>/run-again")
@login_required
@starts_a_report()
def run_again(report_id):
    report = _load(report_id, "edit")
    try:
        new = runs.run_again(report)
    except ParamError as exc:
        flash(_("This report can no longer run: %(reason)s", reason=exc), "error")
        return redirect(url_for("reports.show", report_id=report.id), 303)
    return redirect(url_for("reports.show", report_id=new.id), 303)


@bp.post("/reports/<id:report_id>/delete")
@login_required
def delete(report_id):
    report = _load(report_id, "edit")
    runs.delete(report)
    flash(_("Report deleted."), "info")
    return redirect(url_for("reports.index"), 303)


@bp.post("/reports/<id:report_id>/save")
@login_required
def save(report_id):
    report = _load(report_id, "edit")
    name = (request.form.get("name") or "").strip()
    if not name or len(name) > 200:
        flash(_("Give the saved report a name of at most 200 characters."), "error")
        return redirect(url_for("reports.show", report_id=report.id), 303)
    runs.save_definition(current_user, name, ReportParams.from_dict(report.params))
    flash(_("Saved as %(name)s.", name=name), "success")
    return redirect(url_for("reports.index"), 303)


# -- saved definitions ------------------------------------------------------------------------------------
@bp.post("/reports/definitions/<id:definition_id>/run")
@login_required
@starts_a_report()
def run_definition(definition_id):
    definition = policies.load(current_user, ReportDefinition, definition_id, "edit")
    if not policies.can_report_on(current_user, definition.organization_id):
        abort(404)
    try:
        report = runs.run_definition(definition, current_user)
    except ParamError as exc:  # an id may have moved since it was saved
        flash(_("This saved report can no longer run: %(reason)s", reason=exc), "error")
        return redirect(url_for("reports.index"), 303)
    return redirect(url_for("reports.show", report_id=report.id), 303)


@bp.post("/reports/definitions/<id:definition_id>/delete")
@login_required
def delete_definition(definition_id):
    definition = policies.load(current_user, ReportDefinition, definition_id, "edit")
    db.session.delete(definition)
    db.session.commit()
    flash(_("Saved report %(name)s deleted.", name=definition.name), "info")
    return redirect(url_for("reports.index"), 303)
