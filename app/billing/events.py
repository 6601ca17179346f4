"""Signals of rate changes, sent inside the transaction that makes them, so a receiver's writes (the audit
trail: app/organizations/rate_audit.py) commit with the change or not at all. Billing imports no organizations
module (reports use billing, organizations use reports): the audit subscribes here instead."""
from __future__ import annotations

from blinker import Namespace

signals = Namespace()
rate_added = signals.signal("rate-added")  # receivers: fn(sender, rate: Rate, actor: User | None)
rate_removed = signals.signal("rate-removed")  # receivers: fn(sender, rate: Rate, actor: User | None)
invoice_changed = signals.signal("invoice-changed")  # receivers: fn(sender, invoice: Invoice, action: str, actor)
