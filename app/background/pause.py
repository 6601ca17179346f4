"""Paused queues: a Redis set of queue names that every worker leaves alone while they are in it.

Enqueuing goes on (the scheduler's recurring runs, pages asking for dashboards): the jobs wait in the queue,
and the job monitor says "paused". Both worker classes check the set before each dequeue
(app/background/worker.py). Every function raises redis.RedisError when Redis is down.
"""
from __future__ import annotations

import redis

from app.background.catalog import QUEUES
from app.redis_client import get_redis

KEY = "timeboard:paused-queues"


class UnknownQueue(ValueError):
    def __str__(self) -> str:
        return f"unknown queue {self.args[0]!r}; known: {', '.join(QUEUES)}"


def _check(name: str) -> str:
    if name not in QUEUES:
        raise UnknownQueue(name)
    return name


def pause(name: str, connection: redis.Redis | None = None) -> bool:
    """Pause a queue; False when it already was."""
    return bool((connection or get_redis()).sadd(KEY, _check(name)))


def resume(name: str, connection: redis.Redis | None = None) -> bool:
    """Resume a queue; False when it was not paused."""
    return bool((connection or get_redis()).srem(KEY, _check(name)))


def paused(connection: redis.Redis | None = None) -> set[str]:
    return answer((connection or get_redis()).smembers(KEY))


def ask(pipe) -> None:
    """Ask for the paused set on a pipeline that carries other commands; answer() reads its result."""
    pipe.smembers(KEY)


def answer(raw: set[bytes]) -> set[str]:
    return {name.decode() for name in raw}
