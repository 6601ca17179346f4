"""emit(): one event of an organization, to every active endpoint that subscribes to it.

    emit(org_id, "time_entry.created", representations.time_entry(entry))

Called once per change, after its commit. The common case (no endpoint subscribes) costs one indexed query and no
job; otherwise each subscribed endpoint gets a WebhookDelivery row (its body fixed now) and one delivery job.
"""
from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import select

from app.background.enqueue import EnqueueError, enqueue
from app.extensions import db
from app.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint, utcnow

log = logging.getLogger(__name__)


def body(delivery_id: str, event: str, organization_id: int, data: dict) -> str:
    created = utcnow().replace(microsecond=0).isoformat() + "Z"
    return json.dumps({"id": delivery_id, "event": event, "created_at": created,
                       "organization_id": organization_id, "data": data}, separators=(",", ":"))


def subscribers(organization_id: int, event: str) -> list[WebhookEndpoint]:
    endpoints = db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == organization_id, WebhookEndpoint.active.is_(True)))
    return [endpoint for endpoint in endpoints if endpoint.wants(event)]


def emit(organization_id: int, event: str, data) -> list[WebhookDelivery]:
    """`data` is the object's JSON representation, or a function returning it (called only when someone
    subscribes). Never raises: a webhook must not fail the change that has committed already."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    try:
        endpoints = subscribers(organization_id, event)
        if not endpoints:
            return []
        payload = data() if callable(data) else data
        deliveries = []
        for endpoint in endpoints:
            delivery_id = str(uuid.uuid4())
            delivery = WebhookDelivery(id=delivery_id, endpoint_id=endpoint.id, event=event,
                                       request_body=body(delivery_id, event, organization_id, payload))
            db.session.add(delivery)
            deliveries.append(delivery)
        db.session.commit()
        for delivery in deliveries:
            deliver_later(delivery, organization_id)
        return deliveries
    except Exception:
        log.exception("could not emit webhook event %s of organization %s", event, organization_id)
        db.session.rollback()
        return []


def deliver_later(delivery: WebhookDelivery, organization_id: int) -> bool:
    """Enqueue the delivery's job (after the commit that wrote it); False when the queue is unavailable (the
    delivery stays pending in the log, to be replayed)."""
    try:
        enqueue("webhook_delivery", delivery.id, organization_id=organization_id)
        return True
    except EnqueueError as exc:
        log.error("could not queue webhook delivery %s: %s", delivery.id, exc)
        return False
