"""Computed sections in Redis: one entry per (dashboard key, section), DASHBOARD_CACHE_TTL seconds.

A failure marker per key lets a page opened after a failed job show the error state at once; a stale
marker says that the data changed while nobody watched the dashboard, so its cached sections are old.
Every function raises redis.RedisError when Redis is down; callers decide what that means.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from app.live.topics import DashboardKey
from app.models import utcnow
from app.redis_client import get_redis

PREFIX = "timeboard:dashboard-cache:"


@dataclass(frozen=True)
class Cached:
    data: dict
    computed_at: datetime
    meta: dict = field(default_factory=dict)  # how it was computed: {"job_id": RQ id, "ms": compute time}


def _entry(key: DashboardKey, section: str) -> str:
    return f"{PREFIX}{key}:{section}"


def store(key: DashboardKey, section: str, data: dict, computed_at: datetime | None = None,
          meta: dict | None = None, pipe=None) -> Cached:
    """Cache a section's data; on `pipe` (a pipeline the caller executes) when given, else at once."""
    cached = Cached(data=data, computed_at=computed_at or utcnow(), meta=meta or {})
    payload = json.dumps({"data": data, "at": cached.computed_at.isoformat(), "meta": cached.meta}, default=str)
    (get_redis() if pipe is None else pipe).set(_entry(key, section), payload,
                                                ex=current_app.config["DASHBOARD_CACHE_TTL"])
    return cached


def load(key: DashboardKey, sections: list[str]) -> dict[str, Cached]:
    """The cached sections of a dashboard that are there (one round trip)."""
    if not sections:
        return {}
    return _decode(sections, get_redis().mget([_entry(key, s) for s in sections]))


def snapshot(key: DashboardKey, sections: list[str]) -> tuple[dict[str, Cached], str | None, bool]:
    """What a page needs of a dashboard's cache, in one round trip: the sections there, its failure, stale."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.mget([_entry(key, s) for s in sections])
    pipe.get(f"{PREFIX}{key}:failed")
    pipe.exists(f"{PREFIX}{key}:stale")
    raw, failed, stale = pipe.execute()
    return _decode(sections, raw), failed.decode() if failed else None, bool(stale)


def _decode(sections: list[str], raw: list[bytes | None]) -> dict[str, Cached]:
    found = {}
    for name, value in zip(sections, raw, strict=True):
        if value:
            entry = json.loads(value)
            found[name] = Cached(data=entry["data"], computed_at=datetime.fromisoformat(entry["at"]),
                                 meta=entry.get("meta") or {})
    return found


def mark_stale(keys: list[DashboardKey]) -> None:
    """These dashboards' cached sections are out of date and nobody is watching them to get fresh ones: the
    next page view shows them with their age while it recomputes (one round trip)."""
    if not keys:
        return
    pipe = get_redis().pipeline(transaction=False)
    for key in keys:
        pipe.set(f"{PREFIX}{key}:stale", "1", ex=current_app.config["DASHBOARD_CACHE_TTL"])
    pipe.execute()


def clear_stale(key: DashboardKey, pipe) -> None:
    """On `pipe` (a dashboard job's first round trip)."""
    pipe.delete(f"{PREFIX}{key}:stale")


def is_stale(key: DashboardKey) -> bool:
    return bool(get_redis().exists(f"{PREFIX}{key}:stale"))


def mark_failed(key: DashboardKey, message: str) -> None:
    get_redis().set(f"{PREFIX}{key}:failed", message[:300], ex=current_app.config["DASHBOARD_CACHE_TTL"])


def clear_failed(key: DashboardKey, pipe) -> None:
    """On `pipe` (a dashboard job's last push)."""
    pipe.delete(f"{PREFIX}{key}:failed")


def failure(key: DashboardKey) -> str | None:
    raw = get_redis().get(f"{PREFIX}{key}:failed")
    return raw.decode() if raw else None
