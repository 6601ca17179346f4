"""Presence: which stream topics have at least one open socket, across every process that holds sockets.

Each process holding sockets (every gateway: the only ones that do) sets
`timeboard:presence:<topic>` = "1" with a PRESENCE_TTL expiry for the topics of its sockets, and sets it
again every REFRESH_EVERY seconds while they stay open. Nothing deletes a key when a socket closes:
another process may still hold one for the same topic, so the key simply expires. A topic is
therefore "watched" from its first socket until at most PRESENCE_TTL after its last one closed.

Jobs ask is_watched() / watched() before rendering and publishing (job rows, dashboards), and skip
what nobody would receive. They fail open: when Redis cannot answer, everything counts as watched,
so an outage costs work, never a live update.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable

import redis

from app.config import presence_ttl
from app.live.topics import topic_kind
from app.redis_client import get_redis

log = logging.getLogger(__name__)

PREFIX = "timeboard:presence:"
PRESENCE_TTL = presence_ttl()  # seconds (app/config.py: PRESENCE_TTL); tests shorten it
REFRESH_EVERY = max(1, min(20, PRESENCE_TTL // 3))  # seconds: a key is set again twice before it could expire


def presence_key(topic) -> str:
    """The Redis key of a topic (a topic object or its name)."""
    return f"{PREFIX}{topic}"


def mark_watched(topics: Iterable, connection: redis.Redis | None = None) -> None:
    """Record that this process holds sockets for these topics (one round trip). Raises redis.RedisError."""
    names = sorted({str(t) for t in topics})
    if not names:
        return
    pipe = (connection or get_redis()).pipeline(transaction=False)
    for name in names:
        pipe.set(presence_key(name), "1", ex=PRESENCE_TTL)
    pipe.execute()


def watched(topics: Iterable, connection: redis.Redis | None = None) -> set[str]:
    """The names of those topics that someone watches (one round trip); all of them when Redis errors."""
    names = list(dict.fromkeys(str(t) for t in topics))
    if not names:
        return set()
    try:
        found = (connection or get_redis()).mget([presence_key(n) for n in names])
    except redis.RedisError as exc:
        log.warning("presence unknown (%s): treating %d topic(s) as watched", exc, len(names))
        return set(names)
    return {name for name, value in zip(names, found, strict=True) if value is not None}


def ask(pipe, topics: Iterable) -> Callable[[list], set[str]]:
    """Ask, on a pipeline that carries other commands, which of these topics someone watches: the MGET goes last
    on `pipe`; call the returned function with pipe.execute()'s results to get the names (what watched() gives)."""
    names = list(dict.fromkeys(str(t) for t in topics))
    if not names:
        return lambda results: set()
    pipe.mget([presence_key(n) for n in names])
    return lambda results: {name for name, value in zip(names, results[-1], strict=True) if value is not None}


def is_watched(topic, connection: redis.Redis | None = None) -> bool:
    """Does at least one socket, in any process, receive this topic? True when Redis cannot say."""
    return bool(watched([topic], connection))


def watched_by_kind(connection: redis.Redis | None = None) -> dict[str, int]:
    """How many topics are watched now, across every process, by kind ("dashboard:org", "jobs:user", "user"...):
    what /metrics reports. Raises redis.RedisError."""
    kinds: Counter[str] = Counter()
    for raw in (connection or get_redis()).scan_iter(match=f"{PREFIX}*", count=1000):
        kinds[topic_kind(raw.decode()[len(PREFIX):])] += 1
    return dict(kinds)
