"""Riding out a Redis outage in a long-running process (worker, scheduler, stream relay).

An Outage remembers whether Redis is reachable, logs once when it is lost and once when it is back
(never a line per retry), and hands out the next delay of an exponential backoff:

    outage = Outage("scheduler", log)
    while True:
        try:
            work()
            outage.recovered()
        except redis.RedisError as exc:
            time.sleep(outage.lost(exc))
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

FIRST_DELAY = 0.5  # seconds
MAX_DELAY = 10.0  # seconds: a process notices within this long that Redis is back


class Outage:
    def __init__(self, what: str, log: logging.Logger, first: float = FIRST_DELAY, cap: float = MAX_DELAY):
        self.what, self.log, self.first, self.cap = what, log, first, cap
        self.since: float | None = None  # monotonic time Redis was lost, None while it answers
        self._delay = first

    @property
    def down(self) -> bool:
        return self.since is not None

    def lost(self, exc: BaseException) -> float:
        """Note a failed Redis call; returns how long to wait before the next try."""
        if self.since is None:
            self.since = time.monotonic()
            self._delay = self.first
            self.log.warning("%s: lost Redis (%s); retrying with backoff (up to %.0fs) until it is back",
                             self.what, exc, self.cap)
        delay = self._delay
        self._delay = min(self._delay * 2, self.cap)
        return delay

    def recovered(self) -> bool:
        """Note a successful Redis call; True only on the call that ends an outage."""
        if self.since is None:
            return False
        self.log.warning("%s: Redis is back after %.0fs", self.what, time.monotonic() - self.since)
        self.since = None
        self._delay = self.first
        return True


def wait_for_redis(connection: redis.Redis, outage: Outage, sleep: Callable[[float], None] = time.sleep) -> bool:
    """Block until Redis answers a PING, with backoff; True if it had to wait (Redis was down)."""
    waited = False
    while True:
        try:
            connection.ping()
        except redis.RedisError as exc:
            waited = True
            sleep(outage.lost(exc))
            continue
        outage.recovered()
        return waited
