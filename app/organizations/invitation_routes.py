"""Invitations: the organization's list and form (owners and admins), resend and revoke, and the link's page."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from wtforms.fields.choices import SelectChoice

from app import policies
from app.extensions import db, limiter
from app.models import ROLE_LABELS, Invitation, Organization, Role, Team
from app.organizations import invitations as service
from app.organizations.forms import AcceptInvitationForm, InvitationForm
from app.organizations.invitations import InvitationError
from app.organizations.routes import bp

PROBLEM = "organizations/invitation_problem.html"


def too_many() -> str:
    """The rate limit's message (flask-limiter calls it when the limit is hit, in the request's language)."""
    return _("Too many invitations at once. Wait a minute and try again.")


def _invitation_form(org: Organization) -> InvitationForm:
    form = InvitationForm()
    roles = [r for r in policies.invitable_roles(current_user, org.id) if r != Role.OWNER]
    form.role.choices = [SelectChoice(r.value, ROLE_LABELS[r]) for r in roles]
    form.teams.choices = [SelectChoice(t.id, t.name) for t in db.session.scalars(
        db.select(Team).where(Team.organization_id == org.id).order_by(Team.name))]
    return form


def _render(org: Organization, form: InvitationForm, status: int = 200):
    return render_template("organizations/invitations.html", org=org, form=form,
                           pending=service.pending(org)), status


@bp.get("/organizations/<id:org_id>/invitations")
@login_required
def invitations(org_id):
    org = policies.authorize_org(current_user, "invite", org_id)
    return _render(org, _invitation_form(org))


@bp.post("/organizations/<id:org_id>/invitations")
@login_required
@limiter.limit(lambda: current_app.config["INVITE_RATE_LIMIT"], error_message=too_many)
def invite(org_id):
    org = policies.authorize_org(current_user, "invite", org_id)
    form = _invitation_form(org)
    if not form.validate_on_submit():
        return _render(org, form, 422)
    try:
        invitation, queued = service.invite(current_user, org, form.email.data, form.role.data,
                                            form.teams.data or [])
    except InvitationError as exc:
        form.email.errors.append(str(exc))
        return _render(org, form, 422)
    if queued:
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    else:
        flash(_("The invitation to %(email)s is saved, but its e-mail could not be queued right now: "
                "use Resend in a moment.", email=invitation.email), "error")
    return redirect(url_for("organizations.invitations", org_id=org.id), code=303)


def _load_invitation(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    policies.authorize_org(current_user, "invite", invitation.organization_id)
    return invitation


@bp.post("/invitations/<id:invitation_id>/resend")
@login_required
@limiter.limit(lambda: current_app.config["INVITE_RATE_LIMIT"], error_message=too_many)
def resend(invitation_id):
    invitation = _load_invitation(invitation_id)
    try:
        if service.resend(current_user, invitation):
            flash(_("Invitation sent again to %(email)s; the earlier link no longer works.", email=invitation.email),
                  "success")
        else:
            flash(_("The e-mail could not be queued right now: try again in a moment."), "error")
    except InvitationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("organizations.invitations", org_id=invitation.organization_id), code=303)


@bp.post("/invitations/<id:invitation_id>/revoke")
@login_required
def revoke(invitation_id):
    invitation = _load_invitation(invitation_id)
    try:
        service.revoke(current_user, invitation)
        flash(_("The invitation to %(email)s was revoked.", email=invitation.email), "success")
    except InvitationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("organizations.invitations", org_id=invitation.organization_id), code=303)


@bp.route("/invitations/accept/<token>", methods=["GET", "POST"])
def invitation(token):
    """The link from the e-mail: a new person sets a name and password; an existing user accepts once signed in
    (as the invited address); any other case gets a page saying why (never a 500)."""
    opened = service.open_link(token)
    if opened.problem:
        heading, text = opened.problem
        status = 404 if opened.invitation is None else 410
        return render_template(PROBLEM, heading=heading, text=text), status
    invitation = opened.invitation
    account = service.account_for(invitation)
    form = AcceptInvitationForm()
    if current_user.is_authenticated:
        if account is None or account.id != current_user.id:  # (the invited address's account only)
            return render_template(PROBLEM, heading=_("This invitation is for someone else"),
                                   text=_("It was sent to %(email)s, and you are signed in as %(current)s. "
                                          "Sign out and open the link again.", email=invitation.email,
                                          current=current_user.email)), 403
        if request.method == "POST":
            try:
                service.accept(invitation, current_user)
            except InvitationError as exc:
                return render_template(PROBLEM, heading=_("This invitation cannot be used"),
                                       text=str(exc)), 410
            flash(_("Welcome to %(name)s.", name=invitation.organization.name), "success")
            return redirect(url_for("organizations.show", org_id=invitation.organization_id), code=303)
        return render_template("organizations/invitation.html", invitation=invitation, form=None, account=account)
    if account is not None:  # an existing account: sign in first, then come back here
        return render_template("organizations/invitation.html", invitation=invitation, form=None, account=account,
                               login_url=url_for("auth.login", next=request.path))
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                user = service.accept_as_new_user(invitation, form.name.data, form.password.data,
                                                  form.time_zone.data)
            except InvitationError as exc:
                return render_template(PROBLEM, heading=_("This invitation cannot be used"),
                                       text=str(exc)), 410
            login_user(user)
            flash(_("Welcome to %(name)s.", name=invitation.organization.name), "success")
            return redirect(url_for("organizations.show", org_id=invitation.organization_id), code=303)
        return render_template("organizations/invitation.html", invitation=invitation, form=form, account=None), 422
    return render_template("organizations/invitation.html", invitation=invitation, form=form, account=None)

