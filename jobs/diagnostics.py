"""Small jobs an operator (or a test) runs to check the pipeline end to end: `flask jobs run echo`."""
from __future__ import annotations

import time

from app.background.tracking import report_progress


def echo(message: str = "hello") -> str:
    return message


def sleep(seconds: float = 1.0) -> str:
    steps = max(1, int(seconds * 4))
    for step in range(steps):
        time.sleep(seconds / steps)
        report_progress(int((step + 1) * 100 / steps))
    return f"slept {seconds}s"


def fail(message: str = "diagnostic failure") -> None:
    raise RuntimeError(message)
