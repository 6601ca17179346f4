"""Signals of reports other features subscribe to: report-ready (webhooks), sent after the commit that made it
true; report-share (the audit trail), sent inside the transaction that makes or revokes a share link, so the
record commits with the change or not at all."""
from __future__ import annotations

import logging

from blinker import Namespace

log = logging.getLogger(__name__)

signals = Namespace()
report_ready = signals.signal("report-ready")  # receivers: fn(sender, report: Report), once a report completed
# receivers: fn(sender, action: "report_share.create" | "report_share.revoke", report, actor, details: dict)
report_share = signals.signal("report-share")


def ready(report) -> None:
    """Tell the subscribers a report completed; one that fails is logged, and never fails the report."""
    try:
        report_ready.send(None, report=report)
    except Exception:
        log.exception("a subscriber of report-ready failed")
