"""Registering, changing and removing an organization's webhook endpoints; every change is audited (it commits
with the change). The caller has authorized the actor (policies: "manage_webhooks")."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete as sa_delete
from sqlalchemy import select

from app.extensions import db
from app.models import WEBHOOK_EVENTS, Organization, User, WebhookDelivery, WebhookEndpoint
from app.organizations import audit
from app.webhooks.addresses import AddressError, check_url

DESCRIPTION_MAX = 200


class EndpointError(ValueError):
    """The message is fit to show the owner, beside the field it names."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _checked(url: str, description: str, events) -> tuple[str, str, list[str]]:
    try:
        url = check_url(url)
    except AddressError as exc:
        raise EndpointError("url", str(exc)) from None
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise EndpointError("description", _("At most %(max)s characters.", max=DESCRIPTION_MAX))
    chosen = [event for event in WEBHOOK_EVENTS if event in set(events or ())]
    if not chosen:
        raise EndpointError("events", _("Choose at least one event."))
    return url, description, chosen


def endpoints_of(organization_id: int) -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == organization_id).order_by(WebhookEndpoint.id)))


def load(organization: Organization, endpoint_id: int) -> WebhookEndpoint | None:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    return endpoint if endpoint is not None and endpoint.organization_id == organization.id else None


def create(actor: User, organization: Organization, url: str, description: str, events) -> WebhookEndpoint:
    url, description, chosen = _checked(url, description, events)
    endpoint = WebhookEndpoint(organization_id=organization.id, url=url, description=description, events=chosen)
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook.create", organization=organization, actor=actor, target=url,
                 details={"endpoint_id": endpoint.id, "events": chosen})
    db.session.commit()
    return endpoint


def update(actor: User, endpoint: WebhookEndpoint, url: str, description: str, events) -> bool:
    """False when nothing changed."""
    url, description, chosen = _checked(url, description, events)
    before = {"url": endpoint.url, "description": endpoint.description, "events": list(endpoint.events or [])}
    after = {"url": url, "description": description, "events": chosen}
    if before == after:
        return False
    endpoint.url, endpoint.description, endpoint.events = url, description, chosen
    audit.record("webhook.update", organization=endpoint.organization_id, actor=actor, target=url,
                 details={"endpoint_id": endpoint.id,
                          "changed": {k: [before[k], after[k]] for k in after if before[k] != after[k]}})
    db.session.commit()
    return True


def switch(actor: User, endpoint: WebhookEndpoint, on: bool) -> None:
    endpoint.switch(on)
    audit.record("webhook.switch", organization=endpoint.organization_id, actor=actor, target=endpoint.url,
                 details={"endpoint_id": endpoint.id, "active": on})
    db.session.commit()


def rotate_secret(actor: User, endpoint: WebhookEndpoint) -> str:
    secret = endpoint.rotate_secret()
    audit.record("webhook.rotate_secret", organization=endpoint.organization_id, actor=actor, target=endpoint.url,
                 details={"endpoint_id": endpoint.id})
    db.session.commit()
    return secret


def delete(actor: User, endpoint: WebhookEndpoint) -> None:
    audit.record("webhook.delete", organization=endpoint.organization_id, actor=actor, target=endpoint.url,
                 details={"endpoint_id": endpoint.id, "events": list(endpoint.events or [])})
    db.session.execute(sa_delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.commit()
