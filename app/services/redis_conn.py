"""The Redis connection for queues, cache and streams, from REDIS_URL."""
from __future__ import annotations

import redis
from flask import current_app

_connections: dict[str, redis.Redis] = {}


def get_redis() -> redis.Redis:
    url = current_app.config["REDIS_URL"]
    if url not in _connections:
        _connections[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    return _connections[url]


def redis_available() -> bool:
    try:
        return bool(get_redis().ping())
    except redis.RedisError:
        return False
