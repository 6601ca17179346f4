"""The audit trail of rates and invoices (issue 21): an entry for each rate added or removed and each invoice
transition (created, sent, paid, void, deleted), joining the change's transaction (app/billing/events.py sends
inside it)."""
from __future__ import annotations

from app.billing import events
from app.organizations import audit


def subscribe() -> None:
    """Connect to billing's signals (connecting twice is harmless)."""
    events.rate_added.connect(on_rate_added)
    events.rate_removed.connect(on_rate_removed)
    events.invoice_changed.connect(on_invoice_changed)


def _describe(rate) -> str:
    who = []
    if rate.user is not None:
        who.append(rate.user.email)
    if rate.project is not None:
        who.append(f"project {rate.project.name}")
    return " on ".join(who) or "organization default"


def _details(rate) -> dict:
    return {"kind": rate.kind, "amount": None if rate.amount is None else f"{rate.amount:.2f}",
            "effective_from": rate.effective_from.isoformat()}


def _organization_id(rate) -> int | None:
    return rate.organization_id or (rate.project.organization_id if rate.project is not None else None)


def on_rate_added(_sender, rate, actor) -> None:
    audit.record("rate.create", organization=_organization_id(rate), actor=actor, target=_describe(rate),
                 details=_details(rate))


def on_rate_removed(_sender, rate, actor) -> None:
    audit.record("rate.remove", organization=_organization_id(rate), actor=actor, target=_describe(rate),
                 details=_details(rate))


def on_invoice_changed(_sender, invoice, action, actor) -> None:
    audit.record(f"invoice.{action}", organization=invoice.organization_id, actor=actor,
                 target=f"invoice {invoice.label} to {invoice.client.name}",
                 details={"invoice_id": invoice.id, "number": invoice.number, "status": invoice.status,
                          "total": f"{invoice.total:.2f}", "currency": invoice.currency})
