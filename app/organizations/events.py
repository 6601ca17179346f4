"""Signals of membership changes other features subscribe to (webhooks), sent after the commit that made them."""
from __future__ import annotations

import logging

from blinker import Namespace

log = logging.getLogger(__name__)

signals = Namespace()
member_joined = signals.signal("member-joined")  # receivers: fn(sender, membership: Membership)
member_removed = signals.signal("member-removed")  # receivers: fn(sender, membership: Membership)


def send(signal, membership) -> None:
    """Tell the subscribers; one that fails is logged and never fails the change, which has committed."""
    try:
        signal.send(None, membership=membership)
    except Exception:
        log.exception("a subscriber of %s failed", signal.name)
