"""Recompute a dashboard section by section, cache each one, and stream it to the dashboard's viewers.

recompute_later(keys) is the one way to ask for it (a coalesced DashboardDataJob per dashboard,
optionally delayed), and recompute_if_watched(keys) asks only for those a page has open, marking the
others stale (a change no page asked for); recompute(key) is that job's work; compute_now(key) is the
one-off synchronous fallback when Redis (and so the queue and the cache) is down; catch_up(key)
renders what the cache holds as a Turbo Stream, for a page whose socket opened after the job had
already pushed. The job and the catch-up build their streams with part_stream(), so the two never drift.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from app import presence
from app.background.enqueue import enqueue
from app.background.tracking import report_progress
from app.helpers import dom_id
from app.services.dashboards import cache, registry
from app.services.dashboards.cache import Cached
from app.services.dashboards.registry import Section
from app.streams import broadcast_stream, render_stream
from app.topics import DashboardKey

log = logging.getLogger(__name__)

PARTS = {"progress": "dashboard/_progress.html", "alert": "dashboard/_alert.html"}  # besides the sections
FAILED = "The metrics could not be computed."


def recompute_later(keys: Iterable[DashboardKey], delay: float | None = None, requester: int | None = None) -> int:
    """Enqueue the DashboardDataJob of each dashboard; a job already pending for one is reused (coalescing),
    and `delay` debounces (changes within it share one run). Returns how many were asked for; raises
    EnqueueError when Redis cannot take them."""
    count = 0
    for key in keys:
        enqueue("dashboard_data", str(key), key=str(key), user_id=requester, delay=delay)
        count += 1
    return count


def recompute_if_watched(keys: Iterable[DashboardKey], delay: float | None = None) -> int:
    """recompute_later() for the dashboards an open page watches (app/presence.py); the others are only marked
    stale, and the next page view recomputes them. Returns how many were asked for; raises EnqueueError or
    redis.RedisError when Redis cannot take them."""
    keys = list(keys)
    names = presence.watched(keys)
    cache.mark_stale([k for k in keys if str(k) not in names])
    return recompute_later([k for k in keys if str(k) in names], delay=delay)


def section_context(key: DashboardKey, section: Section, cached: Cached | None) -> dict:
    """What a section partial (or its skeleton) is rendered with, on the page and in a stream alike."""
    return {"key": key, "section": section, "cached": cached, "data": cached.data if cached else None}


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 100


def part_stream(key: DashboardKey, part: Section | str, **context) -> str:
    """A Turbo Stream replacing one part of a dashboard's page: a section (cached=), "progress" (percent=)
    or "alert" (failure=)."""
    if isinstance(part, Section):
        return render_stream("replace", dom_id(key, part.name), part.template,
                             **section_context(key, part, context["cached"]))
    return render_stream("replace", dom_id(key, part), PARTS[part], key=key, **context)


def recompute(key: DashboardKey) -> str:
    """Recompute every section of the dashboard; each is cached and pushed as soon as it is ready. A dashboard
    nobody has open (app/presence.py) is only marked stale: its next page view asks again, and watches it."""
    if not presence.is_watched(key):
        cache.mark_stale([key])
        return f"{key}: not watched, marked stale"
    try:
        ctx = registry.context(key)
    except registry.SubjectGone:
        return f"{key}: gone"
    cache.clear_stale(key)  # before computing: a change made meanwhile marks it stale again
    sections = registry.sections(key.kind)
    try:
        for i, section in enumerate(sections, 1):
            cached = cache.store(key, section.name, section.compute(ctx))
            broadcast_stream(key, part_stream(key, section, cached=cached))
            done = percent(i, len(sections))
            broadcast_stream(key, part_stream(key, "progress", percent=done))
            report_progress(done)
    except Exception:
        log.exception("dashboard %s failed", key)
        try:
            cache.mark_failed(key, FAILED)
            broadcast_stream(key, part_stream(key, "alert", failure=FAILED))
        except Exception:  # Redis may be what failed; the job's own failure is what matters
            log.exception("could not report the failure of %s", key)
        raise
    cache.clear_failed(key)
    broadcast_stream(key, part_stream(key, "alert", failure=None))
    return f"{key}: {len(sections)} sections"


def compute_now(key: DashboardKey) -> dict[str, Cached]:
    """Every section computed in this process, not cached (the fallback when Redis is down)."""
    ctx = registry.context(key)
    return {s.name: Cached(data=s.compute(ctx), computed_at=ctx.periods.now) for s in registry.sections(key.kind)}


def catch_up(key: DashboardKey) -> str:
    """A Turbo Stream of the sections the cache holds (and the failure state, if any): reads Redis only."""
    if cache.is_stale(key):  # its job has not started yet: the page shows these very sections already
        return part_stream(key, "progress", percent=0)
    sections = registry.sections(key.kind)
    found = cache.load(key, [s.name for s in sections])
    parts = [part_stream(key, s, cached=found[s.name]) for s in sections if s.name in found]
    parts.append(part_stream(key, "progress", percent=percent(len(found), len(sections))))
    failure = cache.failure(key)
    if failure and len(found) < len(sections):
        parts.append(part_stream(key, "alert", failure=failure))
    return "".join(parts)
