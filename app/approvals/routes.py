"""/approvals: weeks waiting for the signed-in user's decision and what they decided lately; submitting a week
(from /timesheet), approving or rejecting one. Parse, authorize (app/policies.py), call weeks.py, answer."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.approvals import weeks
from app.approvals.weeks import ApprovalError
from app.extensions import db
from app.models import User
from app.time_tracking import locks, timesheet
from app.time_tracking.timesheet import BadWeek
from app.web.form_filters import parse_id

bp = Blueprint("approvals", __name__)


def _page(errors: dict[int, str] | None = None, status: int = 200):
    return render_template("approvals/index.html", waiting=weeks.waiting_for(current_user),
                           decided=weeks.decided_by(current_user), locked=weeks.unlockable_by(current_user),
                           errors=errors or {}), status


@bp.get("/approvals")
@login_required
def index():
    return _page()


@bp.post("/approvals/submit")
@login_required
def submit():
    """Submit the signed-in user's week shown on /timesheet (`week`: YYYY-Www) in the organization it shows
    (`organization_id`; default: their first). Each organization has its own weeks."""
    person = current_user._get_current_object()
    organization_id = locks.timesheet_organization_id(person)
    if organization_id is None:
        abort(403, _("Join an organization before submitting a week."))
    raw_organization = (request.form.get("organization_id") or "").strip()
    if raw_organization:
        organization_id = parse_id(raw_organization)
        if organization_id is None:
            abort(422, _("Say in which organization to submit the week (its id)."))
        if organization_id not in timesheet.organization_ids_of(person):
            abort(404)
    raw = (request.form.get("week") or "").strip()
    if not raw:
        abort(422, _("Say which week to submit (YYYY-Www)."))
    try:
        week = timesheet.week_named(person, raw, organization_id)
    except BadWeek as exc:
        abort(422, str(exc))
    try:
        weeks.submit(person, organization_id, week.first)
    except ApprovalError as exc:
        abort(409, str(exc))
    flash(_("Week %(week)s submitted for approval.", week=week.label), "success")
    args = {"org": organization_id} if timesheet.scope_of(person, organization_id) is not None else {}
    return redirect(url_for("timesheet.show", week=week.label, **args), code=303)


@bp.post("/approvals/<id:approval_id>/decide")
@login_required
def decide(approval_id):
    approval = policies.load_week_approval(current_user, approval_id)
    if not policies.can_decide_week(current_user, approval):
        abort(403, _("You may not decide this week: its person's manager or an owner does."))
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        return _page({approval.id: _("Choose approve or reject.")}, 422)
    try:
        weeks.decide(current_user, approval, decision == "approve", request.form.get("comment", ""))
    except ApprovalError as exc:
        if approval.status != "submitted":
            abort(409, str(exc))
        return _page({approval.id: str(exc)}, 422)
    person = db.session.get(User, approval.user_id)
    if approval.status == "approved":
        flash(_("%(name)s's week %(week)s approved.", name=person.name, week=weeks.week_label(approval)), "success")
    else:
        flash(_("%(name)s's week %(week)s rejected.", name=person.name, week=weeks.week_label(approval)), "success")
    return redirect(url_for("approvals.index"), code=303)


@bp.post("/approvals/<id:approval_id>/unlock")
@login_required
def unlock(approval_id):
    """An owner opens an approved week again, with a reason (audited)."""
    approval = policies.load_week_approval(current_user, approval_id)
    if not policies.can_unlock_week(current_user, approval):
        abort(403, _("Only an owner of the organization may unlock an approved week."))
    try:
        weeks.unlock(current_user, approval, request.form.get("reason", ""))
    except ApprovalError as exc:
        if approval.status != "approved":
            abort(409, str(exc))
        return _page({approval.id: str(exc)}, 422)
    person = db.session.get(User, approval.user_id)
    flash(_("%(name)s's week %(week)s unlocked: they may edit it and submit it again.", name=person.name,
            week=weeks.week_label(approval)), "success")
    return redirect(url_for("approvals.index"), code=303)
