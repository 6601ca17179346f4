"""Clients, per organization: list, create, edit, archive and unarchive (managers and up)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import policies
from app.extensions import db
from app.models import Client
from app.time_tracking.project_forms import ClientForm
from app.time_tracking.project_routes import PER_PAGE, bp, managing_organizations, page_arg
from app.web.views import commit_and_redirect

NAME_TAKEN = _l("This organization already has a client with that name.")


def _name_taken(organization_id: int, name: str, exclude_id: int | None = None) -> bool:
    query = select(Client.id).where(Client.organization_id == organization_id,
                                    func.lower(Client.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Client.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def _save(form: ClientForm, client: Client) -> bool:
    """Apply and commit; False (with the inline error) when the name is taken in the organization."""
    if _name_taken(form.organization_id.data, form.name.data, client.id):
        form.name.errors.append(str(NAME_TAKEN))
        return False
    client.organization_id = form.organization_id.data
    client.name = form.name.data
    client.currency = form.currency.data
    db.session.add(client)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request took the name first
        db.session.rollback()
        form.name.errors.append(str(NAME_TAKEN))
        return False
    return True


@bp.get("/clients")
@login_required
def clients():
    if not managing_organizations(current_user):
        abort(403, _("Only managers, admins and owners manage clients."))
    archived = request.args.get("status") == "archived"
    query = (policies.client_scope(current_user).where(Client.archived.is_(archived))
             .options(selectinload(Client.organization)).order_by(Client.name, Client.id))
    page = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    many_orgs = len({c.organization_id for c in page.items}) > 1
    return render_template("projects/clients.html", page=page, archived=archived, many_orgs=many_orgs)


@bp.route("/clients/new", methods=["GET", "POST"])
@login_required
def new_client():
    orgs = managing_organizations(current_user)
    if not orgs:
        abort(403, _("Only managers, admins and owners manage clients."))
    form = ClientForm(orgs)
    if form.validate_on_submit() and _save(form, Client()):
        flash(_("Client %(name)s created.", name=form.name.data), "success")
        return redirect(url_for("projects.clients"), code=303)
    return render_template("projects/client_form.html", form=form, client=None), (
        422 if request.method == "POST" else 200)


@bp.route("/clients/<id:client_id>/edit", methods=["GET", "POST"])
@login_required
def edit_client(client_id):
    client = policies.load(current_user, Client, client_id, "edit")
    form = ClientForm([client.organization], fixed_org=client.organization_id,
                      obj=client if request.method == "GET" else None)
    if form.validate_on_submit() and _save(form, client):
        flash(_("Client %(name)s saved.", name=client.name), "success")
        return redirect(url_for("projects.clients"), code=303)
    return render_template("projects/client_form.html", form=form, client=client), (
        422 if request.method == "POST" else 200)


@bp.post("/clients/<id:client_id>/archive")
@login_required
def archive_client(client_id):
    client = policies.load(current_user, Client, client_id, "edit")
    client.archive()
    return commit_and_redirect(_("Client %(name)s archived.", name=client.name), "projects.clients")


@bp.post("/clients/<id:client_id>/unarchive")
@login_required
def unarchive_client(client_id):
    client = policies.load(current_user, Client, client_id, "edit")
    client.unarchive()
    return commit_and_redirect(_("Client %(name)s is active again.", name=client.name), "projects.clients",
                               status="archived")
