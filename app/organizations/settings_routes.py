"""Creating an organization, its settings (owners), its deletion (owners, by typing its name) and its audit trail."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.background.enqueue import EnqueueError
from app.extensions import db
from app.models import AUDIT_ACTIONS, AuditEntry, User
from app.organizations import lifecycle as service
from app.organizations.audit import entries as audit_entries
from app.organizations.forms import DeleteOrganizationForm, OrganizationForm, OrganizationSettingsForm
from app.organizations.routes import bp
from app.web.form_filters import parse_id, parse_page

AUDIT_PAGE_SIZE = 50


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def new_organization():
    form = OrganizationForm()
    if form.validate_on_submit():
        org = service.create(current_user, form.name.data)
        flash(_("%(name)s is ready. Invite your colleagues.", name=org.name), "success")
        return redirect(url_for("organizations.show", org_id=org.id), code=303)
    return render_template("organizations/new_organization.html", form=form), (422 if request.method == "POST" else 200)


@bp.route("/organizations/<id:org_id>/settings", methods=["GET", "POST"])
@login_required
def settings(org_id):
    org = policies.authorize_org(current_user, "edit_settings", org_id)
    form = OrganizationSettingsForm(obj=org if request.method == "GET" else None)
    delete_form = DeleteOrganizationForm(formdata=None)
    if form.validate_on_submit():
        if (form.require_two_factor.data and not org.require_two_factor
                and not policies.may_require_two_factor(current_user, org)):
            form.require_two_factor.errors = [_("Turn on two-factor sign-in for yourself first (in your settings).")]
        else:
            if service.update_settings(current_user, org, form.name.data, form.currency.data, form.week_start.data,
                                       form.require_two_factor.data, form.time_zone.data or None,
                                       lock_date=form.lock_date.data,
                                       billing={key: getattr(form, key).data for key in service.BILLING_DETAILS}):
                flash(_("Organization settings saved."), "success")
            else:
                flash(_("Nothing changed: the settings were already these."), "info")
            return redirect(url_for("organizations.settings", org_id=org.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("organizations/organization_settings.html", org=org, form=form,
                           delete_form=delete_form), status


@bp.post("/organizations/<id:org_id>/delete")
@login_required
def delete_organization(org_id):
    org = policies.authorize_org(current_user, "delete", org_id)
    delete_form = DeleteOrganizationForm()
    if delete_form.validate_on_submit() and delete_form.confirm_name.data.strip() == org.name:
        try:
            status = service.delete_later(current_user, org)
        except EnqueueError:
            abort(503, _("The job queue is unavailable right now, so nothing was deleted. Try again in a moment."))
        flash(_("Deleting %(name)s and all its data: follow the progress here.", name=org.name), "info")
        return redirect(url_for("job_monitor.show", identifier=status.rq_job_id), code=303)
    if delete_form.confirm_name.data:
        delete_form.confirm_name.errors = [_("That is not the organization's name: type it exactly to delete it.")]
    form = OrganizationSettingsForm(obj=org)
    return render_template("organizations/organization_settings.html", org=org, form=form, delete_form=delete_form), 422


@bp.get("/organizations/<id:org_id>/audit")
@login_required
def audit(org_id):
    org = policies.authorize_org(current_user, "view_audit", org_id)
    action = request.args.get("action") or None
    if action not in AUDIT_ACTIONS:
        action = None
    actor_id = parse_id(request.args.get("actor") or "")
    page = parse_page(request.args.get("page", "1")) or 1
    entries = db.paginate(audit_entries(org.id, action, actor_id), page=page, per_page=AUDIT_PAGE_SIZE,
                          error_out=False)
    actors = list(db.session.scalars(select(User).where(User.id.in_(
        select(AuditEntry.actor_id).where(AuditEntry.organization_id == org.id).distinct())).order_by(User.name)))
    args = {"org_id": org.id, **({"action": action} if action else {}), **({"actor": actor_id} if actor_id else {})}
    return render_template("organizations/audit.html", org=org, entries=entries, actions=AUDIT_ACTIONS, actors=actors,
                           action=action, actor_id=actor_id, args=args)

