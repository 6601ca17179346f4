"""Members and roles: owners and admins change roles and remove members; anyone may leave (not the last owner)."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.extensions import db
from app.models import Membership, Organization, role_label
from app.organizations.forms import RoleForm
from app.organizations.people import PeopleError, change_role, remove_member
from app.organizations.routes import bp, render_show


def _membership(org: Organization, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organization_id != org.id or membership.removed_at is not None:
        abort(404)
    return membership


@bp.post("/organizations/<id:org_id>/members/<id:membership_id>/role")
@login_required
def change_member_role(org_id, membership_id):
    org = policies.authorize_org(current_user, "manage_members", org_id)
    membership = _membership(org, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _back(org, _("Choose a role: owner, admin, manager or member."), 422)
    try:
        change_role(current_user, org, membership, form.role.data)
    except PeopleError as exc:
        return _back(org, str(exc), 422)
    flash(_("%(name)s is now %(role)s.", name=membership.user.name, role=role_label(membership.role)), "success")
    return redirect(url_for("organizations.show", org_id=org.id), code=303)


@bp.post("/organizations/<id:org_id>/members/<id:membership_id>/remove")
@login_required
def remove(org_id, membership_id):
    org = policies.load(current_user, Organization, org_id)
    membership = _membership(org, membership_id)
    if membership.user_id != current_user.id and not policies.can_org(current_user, "manage_members", org.id):
        abort(403)
    name, leaving = membership.user.name, membership.user_id == current_user.id
    try:
        remove_member(current_user, org, membership)
    except PeopleError as exc:
        return _back(org, str(exc), 422)
    if leaving:
        flash(_("You left %(name)s.", name=org.name), "success")
        return redirect(url_for("organizations.index"), code=303)
    flash(_("%(name)s was removed from %(organization)s. Their time logs stay.", name=name, organization=org.name),
          "success")
    return redirect(url_for("organizations.show", org_id=org.id), code=303)


def _back(org: Organization, message: str, status: int):
    """Re-render the organization page with the error (a 422: nothing changed)."""

    return render_show(org, error=message), status
