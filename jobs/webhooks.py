"""Webhooks (app/webhooks/): one signed delivery per job, retried by its kind's policy."""
from __future__ import annotations

from app.webhooks import delivery


def deliver(delivery_id: str) -> str:
    return delivery.deliver(delivery_id)
