"""/organizations/<id>/webhooks: an organization's owners register endpoints (the signing secret is shown once,
after creation or rotation), edit, switch off and on, rotate, delete them, and read each one's delivery log, with
a replay of one delivery or of all failed ones. Every page checks policies "manage_webhooks" (404 for someone who
may not see the organization, 403 for a member who is not an owner)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.extensions import db
from app.models import WebhookDelivery
from app.web.form_filters import parse_page
from app.webhooks import delivery as sending
from app.webhooks import endpoints as service
from app.webhooks.forms import EndpointForm

bp = Blueprint("webhooks", __name__)

NEW_SECRET_KEY = "new_webhook_secret"  # {"endpoint_id": ..., "secret": ...} until the page that shows it once
PAGE_SIZE = 20


def _organization(org_id):
    return policies.authorize_org(current_user, "manage_webhooks", org_id)


def _endpoint(org, endpoint_id):
    endpoint = service.load(org, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _render_index(org, form, status=200):
    return render_template("webhooks/index.html", org=org, form=form, endpoints=service.endpoints_of(org.id)), status


def _apply(form, exc: service.EndpointError) -> None:
    getattr(form, exc.field).errors = [*getattr(form, exc.field).errors, str(exc)]


@bp.get("/organizations/<id:org_id>/webhooks")
@login_required
def index(org_id):
    org = _organization(org_id)
    return _render_index(org, EndpointForm(formdata=None))


@bp.post("/organizations/<id:org_id>/webhooks")
@login_required
def create(org_id):
    org = _organization(org_id)
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint = service.create(current_user, org, form.url.data, form.description.data, form.events.data)
        except service.EndpointError as exc:
            _apply(form, exc)
        else:
            session[NEW_SECRET_KEY] = {"endpoint_id": endpoint.id, "secret": endpoint.secret}
            flash(_("Endpoint registered. Copy its signing secret now: it is shown this once."), "success")
            return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id), code=303)
    return _render_index(org, form, 422)


def _render_show(org, endpoint, form, status=200):
    page = parse_page(request.args.get("page", "1")) or 1
    deliveries = db.paginate(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                             .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()),
                             page=page, per_page=PAGE_SIZE, error_out=False)
    shown = session.get(NEW_SECRET_KEY)
    new_secret = None
    if shown and shown.get("endpoint_id") == endpoint.id:
        new_secret = session.pop(NEW_SECRET_KEY)["secret"]
    return render_template("webhooks/show.html", org=org, endpoint=endpoint, form=form, deliveries=deliveries,
                           new_secret=new_secret), status


@bp.get("/organizations/<id:org_id>/webhooks/<id:endpoint_id>")
@login_required
def show(org_id, endpoint_id):
    org = _organization(org_id)
    endpoint = _endpoint(org, endpoint_id)
    return _render_show(org, endpoint, EndpointForm(formdata=None, obj=endpoint))


@bp.post("/organizations/<id:org_id>/webhooks/<id:endpoint_id>")
@login_required
def update(org_id, endpoint_id):
    org = _organization(org_id)
    endpoint = _endpoint(org, endpoint_id)
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            changed = service.update(current_user, endpoint, form.url.data, form.description.data, form.events.data)
        except service.EndpointError as exc:
            _apply(form, exc)
        else:
            flash(_("Endpoint saved.") if changed else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id), code=303)
    return _render_show(org, endpoint, form, 422)


@bp.post("/organizations/<id:org_id>/webhooks/<id:endpoint_id>/switch")
@login_required
def switch(org_id, endpoint_id):
    org = _organization(org_id)
    endpoint = _endpoint(org, endpoint_id)
    on = request.form.get("active") == "1"
    service.switch(current_user, endpoint, on)
    flash(_("Endpoint switched on: new events are sent to it.") if on
          else _("Endpoint switched off: nothing is sent to it until you switch it on."), "success")
    return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id), code=303)


@bp.post("/organizations/<id:org_id>/webhooks/<id:endpoint_id>/rotate")
@login_required
def rotate(org_id, endpoint_id):
    org = _organization(org_id)
    endpoint = _endpoint(org, endpoint_id)
    session[NEW_SECRET_KEY] = {"endpoint_id": endpoint.id, "secret": service.rotate_secret(current_user, endpoint)}
    flash(_("New signing secret made: the old one no longer signs anything. Copy it now: it is shown this once."),
          "success")
    return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id), code=303)


@bp.post("/organizations/<id:org_id>/webhooks/<id:endpoint_id>/delete")
@login_required
def delete(org_id, endpoint_id):
    org = _organization(org_id)
    endpoint = _endpoint(org, endpoint_id)
    service.delete(current_user, endpoint)
    flash(_("Endpoint deleted, with its delivery log."), "success")
    return redirect(url_for("webhooks.index", org_id=org.id), code=303)


@bp.post("/organizations/<id:org_id>/webhooks/<id:endpoint_id>/deliveries/<delivery_id>/replay")
@login_required
def replay(org_id, endpoint_id, delivery_id):
    org = _organization(org_id)
    endpoint = _endpoint(org, endpoint_id)
    found = db.session.get(WebhookDelivery, delivery_id[:36])
    if found is None or found.endpoint_id != endpoint.id:
        abort(404)
    if not endpoint.active:
        return _switched_off(org, endpoint)
    queued = sending.replay(endpoint, [found])
    flash(_queued_message(queued, 1), "success" if queued else "error")
    return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id), code=303)


@bp.post("/organizations/<id:org_id>/webhooks/<id:endpoint_id>/replay-failed")
@login_required
def replay_failed(org_id, endpoint_id):
    org = _organization(org_id)
    endpoint = _endpoint(org, endpoint_id)
    if not endpoint.active:
        return _switched_off(org, endpoint)
    failed = sending.failed_of(endpoint)
    queued = sending.replay(endpoint, failed)
    flash(_queued_message(queued, len(failed)) if failed else _("No failed deliveries to replay."),
          "success" if queued or not failed else "error")
    return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id), code=303)


def _switched_off(org, endpoint):
    flash(_("This endpoint is switched off: switch it on, then replay its deliveries."), "error")
    return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id), code=303)


def _queued_message(queued: int, wanted: int) -> str:
    text = ngettext("%(num)d delivery queued again.", "%(num)d deliveries queued again.", queued)
    if queued < wanted:
        text += " " + _("%(count)s could not be queued (the job queue is unavailable): try again in a moment.",
                        count=wanted - queued)
    return text
