"""Signals of reports other features subscribe to (webhooks), sent after the commit that made them true."""
from __future__ import annotations

import logging

from blinker import Namespace

log = logging.getLogger(__name__)

signals = Namespace()
report_ready = signals.signal("report-ready")  # receivers: fn(sender, report: Report), once a report completed


def ready(report) -> None:
    """Tell the subscribers a report completed; one that fails is logged, and never fails the report."""
    try:
        report_ready.send(None, report=report)
    except Exception:
        log.exception("a subscriber of report-ready failed")
