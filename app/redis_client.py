"""Redis for every process: the one place clients are built, and how a long-running process rides
out an outage.

Three kinds of client, one per URL and kind in a process:
- inside a request, what get_redis() returns: every page must answer within a second for the whole of an
  outage, whether Redis is gone (connection refused) or hung (the kernel still accepts connections, nothing
  answers): a short connect and read timeout, no retries, and a breaker (below);
- outside a request (jobs, CLI commands), what get_redis() returns: fail fast (2 s to connect, 10 s to read)
  rather than hang, without the breaker;
- client(url, blocking=True): for what waits on Redis for minutes by design (an RQ worker's BLPOP,
  the scheduler, the stream relay's pub/sub): no read timeout, TCP keepalive, a health check.

The breaker (per Redis address, shared by the threads of a process): once a call of a request's client failed
(refused, timed out), every further call fails at once, without touching the network, for BREAKER_COOLDOWN
seconds; then one call tries Redis again while the others still fail at once, and a success closes the breaker.
So a request pays at most one timeout, and one request per cooldown pays it. The rate limiter's storage uses
the same connections (request_options(), RATELIMIT_STORAGE_OPTIONS).

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
import threading
import time
from collections.abc import Callable

import redis
from flask import current_app, has_request_context
from redis.backoff import NoBackoff
from redis.retry import Retry

REQUEST_CONNECT_TIMEOUT = 0.3  # seconds
REQUEST_READ_TIMEOUT = 0.5  # seconds: a healthy Redis answers in well under a millisecond
BREAKER_COOLDOWN = 1.0  # seconds a failed Redis is left alone by requests before one of them tries again

log = logging.getLogger(__name__)
_clients: dict[tuple[str, str], redis.Redis] = {}


class Breaker:
    """Whether requests should try Redis at this address now (see the module docstring)."""

    def __init__(self, cooldown: float = BREAKER_COOLDOWN):
        self.cooldown = cooldown
        self.down_until: float | None = None  # monotonic; None while Redis answers
        self._lock = threading.Lock()

    def allow(self) -> None:
        """Raise ConnectionError at once while Redis counts as down; past the cooldown, let this caller try."""
        if self.down_until is None:
            return
        with self._lock:
            now = time.monotonic()
            if self.down_until is not None and now < self.down_until:
                raise redis.ConnectionError("Redis is unavailable (it failed a moment ago; not tried again yet)")
            if self.down_until is not None:
                self.down_until = now + self.cooldown  # this caller tries; the others fail at once meanwhile

    def failed(self) -> None:
        with self._lock:
            if self.down_until is None:
                log.warning("requests: Redis failed; calls fail at once, trying again every %.1fs", self.cooldown)
            self.down_until = time.monotonic() + self.cooldown

    def succeeded(self) -> None:
        if self.down_until is not None:
            with self._lock:
                if self.down_until is not None:
                    log.warning("requests: Redis answers again")
                self.down_until = None


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(host: str, port: int) -> Breaker:
    key = f"{host}:{port}"
    if key not in _breakers:
        with _breakers_lock:
            _breakers.setdefault(key, Breaker())
    return _breakers[key]


class FailFastConnection(redis.Connection):
    """A connection that asks its address's breaker before each connect and command, and tells it the outcome."""

    def _breaker(self) -> Breaker:
        return breaker_for(self.host, self.port)

    def connect(self):
        self._breaker().allow()
        try:
            return super().connect()
        except (redis.ConnectionError, redis.TimeoutError):
            self._breaker().failed()
            raise

    def send_packed_command(self, command, check_health=True):
        self._breaker().allow()
        try:
            return super().send_packed_command(command, check_health)
        except (redis.ConnectionError, redis.TimeoutError):
            self._breaker().failed()
            raise

    def read_response(self, *args, **kwargs):
        try:
            response = super().read_response(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError):
            self._breaker().failed()
            raise
        self._breaker().succeeded()
        return response


def request_options() -> dict:
    """Client options for Redis inside a request (also the rate limiter's storage options)."""
    return {"socket_connect_timeout": REQUEST_CONNECT_TIMEOUT, "socket_timeout": REQUEST_READ_TIMEOUT,
            "retry": Retry(NoBackoff(), 0), "connection_class": FailFastConnection}


def client(url: str, blocking: bool = False, kind: str | None = None) -> redis.Redis:
    """The process's client for this URL and kind ("request", "fail_fast", "blocking"; see the module docstring)."""
    kind = kind or ("blocking" if blocking else "fail_fast")
    if (url, kind) not in _clients:
        if kind == "blocking":
            _clients[url, kind] = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=None,
                                                       socket_keepalive=True, health_check_interval=30)
        elif kind == "request":
            _clients[url, kind] = redis.Redis.from_url(url, **request_options())
        else:
            _clients[url, kind] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    return _clients[url, kind]


def get_redis() -> redis.Redis:
    """The client for this app's REDIS_URL (queues, cache, publishing streams): the request's kind inside a
    request, else the fail-fast one."""
    return client(current_app.config["REDIS_URL"], kind="request" if has_request_context() else "fail_fast")


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
