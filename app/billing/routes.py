"""The rates pages (issue 21): an organization's default and member rates (its owners), a project's rates and
members' rates on it with its revenue, cost and profit (whoever may edit the project). One policy verb:
policies.can_rates."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.billing import figures, rate_service
from app.billing.forms import RateForm
from app.extensions import db
from app.models import Membership, Organization, Project, Rate, User
from app.web.form_filters import parse_id
from app.web.views import commit_and_redirect

bp = Blueprint("billing", __name__)


@bp.app_template_global()
def may_see_invoices() -> bool:
    """The header's "Invoices" link: shown to whoever /invoices shows something (policies.may_see_invoices)."""
    return current_user.is_authenticated and policies.may_see_invoices(current_user)


def _people(organization_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, Membership.removed_at.is_(None))
        .order_by(User.name, User.id)))


def _organization(org_id) -> Organization:
    org = policies.load(current_user, Organization, org_id)
    if not policies.can_rates(current_user, org.id):
        abort(403)
    return org


def _project(project_id) -> Project:
    project = policies.load(current_user, Project, project_id)
    if not policies.can_rates(current_user, project.organization_id, project):
        abort(403)
    return project


def _rate(organization_id: int, rate_id, project_id: int | None) -> Rate:
    rate = db.session.get(Rate, parse_id(rate_id) or 0)
    if rate is None or rate.organization_id != organization_id or rate.project_id != project_id:
        abort(404)
    return rate


# -- the organization's default and member rates ------------------------------------------------------------
@bp.get("/organizations/<id:org_id>/rates")
@login_required
def organization_rates(org_id):
    org = _organization(org_id)
    return _render_organization(org, RateForm(_people(org.id), _("Everyone (organization default)")))


def _render_organization(org: Organization, form: RateForm, error: str | None = None, status: int = 200):
    if not form.effective_from.data:
        form.effective_from.data = date.today().isoformat()
    rates = rate_service.history(org.id)
    return render_template("billing/organization_rates.html", org=org, form=form, error=error, rates=rates,
                           current_ids=rate_service.current_ids(rates), today=date.today()), status


@bp.post("/organizations/<id:org_id>/rates")
@login_required
def add_organization_rate(org_id):
    org = _organization(org_id)
    form = RateForm(_people(org.id), _("Everyone (organization default)"))
    if not form.validate_on_submit():
        return _render_organization(org, form, status=422)
    rate_service.add(org, kind=form.kind.data, amount=form.value, effective_from=form.since, actor=current_user,
                     user=form.people.get(form.user_id.data))
    return commit_and_redirect(_("Rate %(amount)s from %(day)s added.", amount=f"{form.value:.2f}",
                                 day=form.since.isoformat()),
                               "billing.organization_rates", org_id=org.id)


@bp.post("/organizations/<id:org_id>/rates/<rate_id>/remove")
@login_required
def remove_organization_rate(org_id, rate_id):
    org = _organization(org_id)
    rate = _rate(org.id, rate_id, None)
    try:
        rate_service.remove(rate, actor=current_user)
    except rate_service.RateError as error:
        return _render_organization(org, RateForm(_people(org.id), _("Everyone (organization default)")),
                                    error=str(error), status=422)
    return commit_and_redirect(_("Rate removed."), "billing.organization_rates", org_id=org.id)


# -- a project's rates and figures ------------------------------------------------------------------------------
@bp.get("/projects/<id:project_id>/rates")
@login_required
def project_rates(project_id):
    project = _project(project_id)
    return _render_project(project, RateForm(_people(project.organization_id), _("Everyone (the project's rate)")))


def _render_project(project: Project, form: RateForm, error: str | None = None, status: int = 200):
    if not form.effective_from.data:
        form.effective_from.data = date.today().isoformat()
    rates = rate_service.history(project.organization_id, project_id=project.id)
    return render_template("billing/project_rates.html", project=project, form=form, error=error, rates=rates,
                           current_ids=rate_service.current_ids(rates), today=date.today(),
                           figures=figures.for_project(project), currency=figures.currency_of(project)), status


@bp.post("/projects/<id:project_id>/rates")
@login_required
def add_project_rate(project_id):
    project = _project(project_id)
    form = RateForm(_people(project.organization_id), _("Everyone (the project's rate)"))
    if not form.validate_on_submit():
        return _render_project(project, form, status=422)
    rate_service.add(project.organization, kind=form.kind.data, amount=form.value, effective_from=form.since,
                     actor=current_user, user=form.people.get(form.user_id.data), project=project)
    return commit_and_redirect(_("Rate %(amount)s from %(day)s added.", amount=f"{form.value:.2f}",
                                 day=form.since.isoformat()),
                               "billing.project_rates", project_id=project.id)


@bp.post("/projects/<id:project_id>/rates/<rate_id>/remove")
@login_required
def remove_project_rate(project_id, rate_id):
    project = _project(project_id)
    rate = _rate(project.organization_id, rate_id, project.id)
    try:
        rate_service.remove(rate, actor=current_user)
    except rate_service.RateError as error:
        return _render_project(project, RateForm(_people(project.organization_id), _("Everyone (the project's rate)")),
                               error=str(error), status=422)
    return commit_and_redirect(_("Rate removed."), "billing.project_rates", project_id=project.id)
