"""Sending one delivery: a signed POST, its outcome in the log, and what follows from it.

The signature header is `Timeboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
endpoint's secret>`. A 2xx is a success; anything else (a redirect too: none is followed) or a network error is a
failed attempt, which raises so that the job kind's retry policy tries again later. When the last attempt fails,
the delivery counts as failed for its endpoint: after FAILURES_BEFORE_SWITCH_OFF of them in a row the endpoint is
switched off and the organization's owners are told.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import time

import requests
from flask_babel import force_locale
from flask_babel import gettext as _
from rq import get_current_job
from sqlalchemy import select

from app.extensions import db
from app.i18n import speaking_to
from app.models import DeliveryState, Membership, Role, User, WebhookDelivery, WebhookEndpoint
from app.notifications.notify import notify
from app.webhooks.addresses import AddressError, check_url
from app.webhooks.emit import deliver_later

log = logging.getLogger(__name__)

TIMEOUT = (3, 10)  # seconds: connect, read
USER_AGENT = "Timeboard-Webhooks/1"


class DeliveryFailed(RuntimeError):
    """An attempt that did not get a 2xx (raised so the job is retried)."""


def signature(secret: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def headers(delivery: WebhookDelivery, secret: str, timestamp: int) -> dict:
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Timeboard-Event": delivery.event,
            "Timeboard-Delivery": delivery.id,
            "Timeboard-Signature": signature(secret, timestamp, delivery.request_body)}


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, int, str, str]:
    """(status code or None, milliseconds, response text, error)."""
    started = time.monotonic()
    try:
        with force_locale("en"):  # the delivery log keeps the error in English (_kind_of reads it)
            check_url(endpoint.url)  # the name may resolve elsewhere since it was saved
        response = requests.post(endpoint.url, data=delivery.request_body.encode(), timeout=TIMEOUT,
                                 allow_redirects=False,
                                 headers=headers(delivery, endpoint.secret, int(time.time())), stream=True)
        try:
            text = response.raw.read(2048, decode_content=True).decode("utf-8", "replace")
        finally:
            response.close()
        return response.status_code, _ms(started), text, ""
    except AddressError as exc:
        return None, _ms(started), "", str(exc)
    except requests.RequestException as exc:
        return None, _ms(started), "", f"{type(exc).__name__}: {exc}"


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def deliver(delivery_id: str) -> str:
    """One attempt of a delivery (the job); raises DeliveryFailed when it failed so the job is retried."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return f"delivery {delivery_id} no longer exists"
    if delivery.status == DeliveryState.SUCCEEDED:
        return f"delivery {delivery_id} was delivered already"  # idempotent: a retry after success sends nothing
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or not endpoint.active:
        return f"delivery {delivery_id} not sent: its endpoint is switched off"
    code, ms, text, error = _post(endpoint, delivery)
    ok = delivery.attempted(code, ms, text, error)
    job = get_current_job()
    final = ok or job is None or not job.retries_left
    switched_off = endpoint.record_outcome(ok) if final else False
    db.session.commit()
    if switched_off:
        _tell_owners(endpoint)
    # what the job (and so /jobs, which an organization's admins read too) says: never the URL, which may hold a
    # receiver's token; the delivery log (owners only) keeps the whole error
    what = f"HTTP {code}" if code is not None else _kind_of(error)
    outcome = f"{delivery.event} to endpoint {endpoint.id}: {what} in {ms} ms"
    if not ok:
        log.warning("webhook delivery %s failed (attempt %s): %s", delivery.id, delivery.attempts, outcome)
        raise DeliveryFailed(outcome)
    return outcome


def _kind_of(error: str) -> str:
    if "public addresses only" in error:
        return "refused: not a public address (webhooks go to public addresses only)"
    return error.split(":", 1)[0]  # the exception's class name: ConnectTimeout, ConnectionError, ...


def _tell_owners(endpoint: WebhookEndpoint) -> None:
    owners = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == endpoint.organization_id, Membership.removed_at.is_(None),
        Membership.role == Role.OWNER.value).order_by(User.id))
    link = f"/organizations/{endpoint.organization_id}/webhooks/{endpoint.id}"
    for owner in list(owners):
        with speaking_to(owner):  # stored as text: written in the recipient's language
            title = _("A webhook was switched off: %(url)s", url=endpoint.url)
            body = _("Its last %(count)s deliveries failed, so Timeboard stopped sending to it. Fix the receiver, then "
                     "switch the endpoint on again and replay the failed deliveries.",
                     count=endpoint.consecutive_failures)
        notify(owner, "webhook_disabled", f"webhook-disabled:{endpoint.id}:{endpoint.updated_at:%Y%m%d%H%M%S}",
               title, body, link=link, data={"endpoint_id": endpoint.id})


def replay(endpoint: WebhookEndpoint, deliveries: list[WebhookDelivery]) -> int:
    """Queue these deliveries again (the same id and body); returns how many were queued."""
    for delivery in deliveries:
        delivery.requeue()
    db.session.commit()
    return sum(deliver_later(delivery, endpoint.organization_id) for delivery in deliveries)


def failed_of(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryState.FAILED)
        .order_by(WebhookDelivery.created_at)))
