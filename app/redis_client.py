"""Redis for every process: the one place clients are built, and how a long-running process rides
out an outage.

Two kinds of client, one per URL and kind in a process:
- client(url), what get_redis() returns: for requests and jobs, which must fail fast when Redis is
  down (2 s to connect, 10 s to read) rather than hang a page;
- client(url, blocking=True): for what waits on Redis for minutes by design (an RQ worker's BLPOP,
  the scheduler, the stream relay's pub/sub): no read timeout, TCP keepalive, a health check.

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
from flask import current_app

_clients: dict[tuple[str, bool], redis.Redis] = {}


def client(url: str, blocking: bool = False) -> redis.Redis:
    """The process's client for this URL and kind (see the module docstring)."""
    if (url, blocking) not in _clients:
        if blocking:
            _clients[url, blocking] = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=None,
                                                           socket_keepalive=True, health_check_interval=30)
        else:
            _clients[url, blocking] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    return _clients[url, blocking]


def get_redis() -> redis.Redis:
    """The fail-fast client for this app's REDIS_URL (queues, cache, publishing streams)."""
    return client(current_app.config["REDIS_URL"])


def redis_available() -> bool:
    try:
        return bool(get_redis().ping())
    except redis.RedisError:
        return False


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
