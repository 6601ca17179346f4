"""What a dashboard request renders at once: the cached sections (with their age), skeletons for the rest,
and a progress bar while any is missing or stale (changed while nobody watched; the job streams fresh ones).

No metric query runs here: the cache is read and, unless it is fresh, the DashboardDataJob enqueued
(coalesced: a job already pending is reused without a write). A fresh cache (every section there, none
older than DASHBOARD_FRESH_SECONDS, not stale, no failure) asks for nothing, so a page view then costs
two Redis round trips and no database write: a data change recomputes a watched dashboard anyway
(app/dashboards/invalidation.py), and marks an unwatched one stale. Only when Redis is down,
so that nothing can be cached or queued, are the metrics computed once in the request, with a notice,
rather than leaving the page empty or failing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from flask import current_app
from flask_babel import gettext as _

from app.background.enqueue import EnqueueError
from app.dashboards import cache, registry
from app.dashboards.cache import Cached
from app.dashboards.recompute import compute_now, percent, recompute_later, section_context
from app.i18n import page_language
from app.live import presence
from app.live.topics import DashboardKey, in_language
from app.models import utcnow

log = logging.getLogger(__name__)


@dataclass
class Shell:
    key: DashboardKey
    entries: list[dict]  # section_context() of each section, cached or not
    percent: int
    failure: str | None = None
    notice: str | None = None
    stale: bool = False  # the data changed while nobody watched: the cached figures are old, fresh ones are coming

    @property
    def loading(self) -> bool:
        return self.stale or any(e["cached"] is None for e in self.entries)


def open_dashboard(key: DashboardKey, user_id: int | None) -> Shell:
    sections = registry.sections(key.kind)
    notice = failure = None
    stale = False
    try:
        found, failure, stale = cache.snapshot(key, [s.name for s in sections])
        # this page's socket is about to watch it, in the page's language: its job must not skip it
        presence.mark_watched([in_language(key, page_language())])
        if not _fresh(found, len(sections), stale, failure):
            recompute_later([key], requester=user_id)
    except (redis.RedisError, EnqueueError) as exc:
        log.warning("dashboard %s: Redis unavailable (%s); computing in the request", key, exc)
        found = compute_now(key)
        notice = _("Live updates are unavailable right now: these figures were computed for this page only.")
    entries = [section_context(key, s, found.get(s.name)) for s in sections]
    done = sum(1 for e in entries if e["cached"] is not None)
    return Shell(key=key, entries=entries, percent=0 if stale else percent(done, len(sections)),
                 failure=failure if done < len(sections) else None, notice=notice, stale=stale)


def _fresh(found: dict[str, Cached], wanted: int, stale: bool, failure: str | None) -> bool:
    if stale or failure or len(found) < wanted:
        return False
    oldest = min(c.computed_at for c in found.values())
    return (utcnow() - oldest).total_seconds() < current_app.config["DASHBOARD_FRESH_SECONDS"]


__all__ = ["Cached", "Shell", "open_dashboard"]
