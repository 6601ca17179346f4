"""Presence: which stream topics have at least one open socket, across every process that holds sockets.

Each process holding sockets (every gateway: the only ones that do) sets
`timeboard:presence:<topic>` = "1" with a PRESENCE_TTL expiry for the topics of its sockets, and sets it
again every REFRESH_EVERY seconds while they stay open. Nothing deletes a key when a socket closes:
another process may still hold one for the same topic, so the key simply expires. A topic is
therefore "watched" from its first socket until at most PRESENCE_TTL after its last one closed.

Jobs ask is_watched() / watched() before rendering and publishing (job rows, dashboards), and skip
what nobody would receive. A topic counts as watched when it or one of its language variants is
("dashboard:org:42@de", app/live/topics.py); languages() tells a broadcast which variants to render.
They fail open: when Redis cannot answer, everything counts as watched, so an outage costs work, never a
live update.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable

import redis

from app.config import presence_ttl
from app.live.topics import OTHER_LANGUAGES, in_language, language_of, topic_kind
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


def _variant_keys(names: list[str]) -> list[str]:
    """Each name's key, then its language variants' (len(names) * (1 + len(OTHER_LANGUAGES)) keys)."""
    return [presence_key(in_language(name, language)) for name in names for language in ("en", *OTHER_LANGUAGES)]


def _watched_in(names: list[str], found: list) -> dict[str, set[str]]:
    """{name: the languages someone watches it in} from the MGET of _variant_keys(names); unwatched names left out."""
    width = 1 + len(OTHER_LANGUAGES)
    languages = {}
    for i, name in enumerate(names):
        seen = {language for language, value in zip(("en", *OTHER_LANGUAGES), found[i * width:(i + 1) * width],
                                                    strict=True) if value is not None}
        if seen:
            languages[name] = seen
    return languages


def languages(topics: Iterable, connection: redis.Redis | None = None) -> dict[str, set[str]]:
    """{topic name: the languages its pages speak} for the watched ones among these topics (one round trip).
    When Redis errors: every topic in English only (a broadcast then still reaches every English page)."""
    names = list(dict.fromkeys(str(t) for t in topics))
    if not names:
        return {}
    try:
        found = (connection or get_redis()).mget(_variant_keys(names))
    except redis.RedisError as exc:
        log.warning("presence unknown (%s): treating %d topic(s) as watched in English", exc, len(names))
        return {name: {"en"} for name in names}
    return _watched_in(names, found)


def watched(topics: Iterable, connection: redis.Redis | None = None) -> set[str]:
    """The names of those topics that someone watches, in any language (one round trip); all of them when Redis
    errors."""
    return set(languages(topics, connection))


def ask(pipe, topics: Iterable) -> Callable[[list], set[str]]:
    """Ask, on a pipeline that carries other commands, which of these topics someone watches: the MGET goes last
    on `pipe`; call the returned function with pipe.execute()'s results to get the names (what watched() gives)."""
    answer = ask_languages(pipe, topics)
    return lambda results: set(answer(results))


def ask_languages(pipe, topics: Iterable) -> Callable[[list], dict[str, set[str]]]:
    """ask(), answering what languages() does: {topic name: the languages its pages speak} for the watched ones."""
    names = list(dict.fromkeys(str(t) for t in topics))
    if not names:
        return lambda results: {}
    pipe.mget(_variant_keys(names))
    return lambda results: _watched_in(names, results[-1])


def is_watched(topic, connection: redis.Redis | None = None) -> bool:
    """Does at least one socket, in any process, receive this topic? True when Redis cannot say."""
    return bool(watched([topic], connection))


def watched_by_kind(connection: redis.Redis | None = None) -> dict[str, int]:
    """How many topics are watched now, across every process, by kind ("dashboard:org", "jobs:user", "user"...):
    what /metrics reports. Raises redis.RedisError."""
    topics = {language_of(raw.decode()[len(PREFIX):])[0]  # a topic open in two languages is one topic
              for raw in (connection or get_redis()).scan_iter(match=f"{PREFIX}*", count=1000)}
    return dict(Counter(topic_kind(name) for name in topics))
