"""Failed sign-ins per account, on top of the per-address limit (LOGIN_RATE_LIMIT).

Behind a proxy every person of an office may share one address, and a guesser can spread over many; so
failures are also counted per account (the e-mail typed, whether or not it has an account: the answer never
tells which addresses exist). LOGIN_ACCOUNT_FAILURES failures within LOGIN_ACCOUNT_WINDOW_SECONDS, at the
password step or the code step of two-factor sign-in, lock that account's sign-in for LOGIN_LOCK_SECONDS,
doubling with each lock within a day, at most LOGIN_LOCK_MAX_SECONDS: never a permanent lockout.

So that nobody can keep another person out by typing their address wrongly, the lock applies to browsers
that have not signed in to the account before. A successful sign-in leaves a signed device cookie naming
the account; attempts that present it are counted and locked on their own (per device), apart from
strangers' (OWASP's "device cookies").

Counts live in Redis (shared by every web process, surviving restarts of the web processes). When Redis is
unavailable the per-account limit is skipped (the per-address limit then counts in memory): an outage must
not lock everyone out.
"""
from __future__ import annotations

import hashlib
import logging
import math
import secrets

import redis
from flask import current_app, request
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeSerializer

from app.redis_client import get_redis

log = logging.getLogger(__name__)

PREFIX = "timeboard:signin:"
STRIKES_TTL = 24 * 3600  # locks within this long of each other grow longer
DEVICE_COOKIE = "timeboard_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


def _digest(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="timeboard-device")


class Attempt:
    """One sign-in attempt on one account (by the e-mail typed), from this request's browser."""

    def __init__(self, email: str):
        self.account = _digest(email)
        self.scope = f"account:{self.account}"
        raw = request.cookies.get(DEVICE_COOKIE)
        if raw:
            try:
                device = _device_serializer().loads(raw)
            except BadSignature:
                device = None
            if isinstance(device, dict) and device.get("a") == self.account and isinstance(device.get("d"), str):
                self.scope = f"device:{device['d']}"

    @property
    def trusted_device(self) -> bool:
        return self.scope.startswith("device:")

    def locked_for(self) -> int:
        """Seconds until this attempt may be made (0: now)."""
        try:
            ttl = get_redis().pttl(PREFIX + "lock:" + self.scope)
        except redis.RedisError as exc:
            log.warning("sign-in limits unavailable (Redis): %s", exc)
            return 0
        return math.ceil(ttl / 1000) if ttl and ttl > 0 else 0

    def failed(self) -> int:
        """Count a failure; returns the seconds of the lock it started (0 when none)."""
        config = current_app.config
        threshold = config["LOGIN_ACCOUNT_FAILURES"]
        if not threshold:
            return 0
        r = get_redis()
        try:
            pipe = r.pipeline()
            pipe.incr(PREFIX + "fail:" + self.scope)
            pipe.expire(PREFIX + "fail:" + self.scope, config["LOGIN_ACCOUNT_WINDOW_SECONDS"], nx=True)
            count = pipe.execute()[0]
            if count < threshold:
                return 0
            pipe = r.pipeline()
            pipe.incr(PREFIX + "strikes:" + self.scope)
            pipe.expire(PREFIX + "strikes:" + self.scope, STRIKES_TTL)
            pipe.delete(PREFIX + "fail:" + self.scope)
            strikes = pipe.execute()[0]
            seconds = min(config["LOGIN_LOCK_SECONDS"] * 2 ** min(strikes - 1, 20), config["LOGIN_LOCK_MAX_SECONDS"])
            if seconds > 0:
                r.set(PREFIX + "lock:" + self.scope, strikes, ex=seconds)
            log.warning("sign-in locked for %s s after %s failures (%s, strike %s)", seconds, count,
                        "known device" if self.trusted_device else "account", strikes)
            return seconds
        except redis.RedisError as exc:
            log.warning("sign-in limits unavailable (Redis): %s", exc)
            return 0

    def succeeded(self) -> str:
        """Forget this scope's failures; returns the device cookie's value to set (this browser now knows the
        account)."""
        try:
            get_redis().delete(PREFIX + "fail:" + self.scope, PREFIX + "strikes:" + self.scope)
        except redis.RedisError as exc:
            log.warning("sign-in limits unavailable (Redis): %s", exc)
        device = self.scope.split(":", 1)[1] if self.trusted_device else secrets.token_urlsafe(16)
        return _device_serializer().dumps({"a": self.account, "d": device})


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("Too many failed sign-ins for this account. Try again in %(num)d minute.",
                    "Too many failed sign-ins for this account. Try again in %(num)d minutes.", minutes)
