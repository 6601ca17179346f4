"""Helpers for the notification tests: the relay channel's pushes, delayed jobs released now, the SMTP fixture."""
from __future__ import annotations

import json
import time

from app.live.publisher import CHANNEL


class Pushes:
    """Every stream published on the relay channel since it was made (what open pages would receive)."""

    def __init__(self, redis_conn):
        self.pubsub = redis_conn.pubsub()
        self.pubsub.subscribe(CHANNEL)
        assert self.pubsub.get_message(timeout=5)["type"] == "subscribe"
        self.messages: list[dict] = []

    def collect(self, until: str, timeout: float = 5) -> list[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline and not any(until in m.get("stream", "") for m in self.messages):
            message = self.pubsub.get_message(timeout=0.2)
            if message and message["type"] == "message":
                self.messages.append(json.loads(message["data"]))
        return self.messages

    def close(self) -> None:
        self.pubsub.close()


def release_scheduled() -> None:
    """Every delayed job (a retry's backoff, an e-mail waiting for quiet hours or unread-after) is due now."""
    from app.background.reconcile import release_overdue_scheduled

    release_overdue_scheduled(overdue=-10 ** 7)
