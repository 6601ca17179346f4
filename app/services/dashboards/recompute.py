"""Compute a dashboard section by section, cache each one, and stream it to the dashboard's viewers.

refresh(key) is the DashboardDataJob's work; compute_now(key) is the one-off synchronous fallback
when Redis (and so the queue and the cache) is down; catch_up(key) renders what the cache holds as
a Turbo Stream, for a page whose socket opened after the job had already pushed.
"""
from __future__ import annotations

import logging

from app.helpers import dom_id
from app.services.dashboards import cache, registry
from app.services.dashboards.cache import Cached
from app.services.dashboards.keys import DashboardKey
from app.services.dashboards.registry import Section
from app.streams import broadcast, render_stream

log = logging.getLogger(__name__)


def section_context(key: str, section: Section, cached: Cached | None) -> dict:
    """What a section partial (or its skeleton) is rendered with, on the page and in a stream alike."""
    return {"key": key, "section": section, "cached": cached, "data": cached.data if cached else None}


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 100


def refresh(key: str) -> str:
    """Recompute every section of the dashboard; each is cached and pushed as soon as it is ready."""
    from app.services.job_tracking import report_progress

    dashboard = DashboardKey.parse(key)
    try:
        ctx = registry.context(dashboard)
    except registry.SubjectGone:
        return f"{key}: gone"
    sections = registry.sections(dashboard.kind)
    try:
        for i, section in enumerate(sections, 1):
            cached = cache.store(key, section.name, section.compute(ctx))
            broadcast(key, "replace", dom_id(key, section.name), section.template,
                      **section_context(key, section, cached))
            done = percent(i, len(sections))
            broadcast(key, "replace", dom_id(key, "progress"), "dashboard/_progress.html", key=key, percent=done)
            report_progress(done)
    except Exception as exc:
        log.exception("dashboard %s failed", key)
        message = "The metrics could not be computed."
        try:
            cache.mark_failed(key, message)
            broadcast(key, "replace", dom_id(key, "alert"), "dashboard/_alert.html", key=key, failure=message)
        except Exception:  # Redis may be what failed; the job's own failure is what matters
            log.exception("could not report the failure of %s", key)
        raise exc
    cache.clear_failed(key)
    broadcast(key, "replace", dom_id(key, "alert"), "dashboard/_alert.html", key=key, failure=None)
    return f"{key}: {len(sections)} sections"


def compute_now(key: str) -> dict[str, Cached]:
    """Every section computed in this process, not cached (the fallback when Redis is down)."""
    dashboard = DashboardKey.parse(key)
    ctx = registry.context(dashboard)
    return {s.name: Cached(data=s.compute(ctx), computed_at=ctx.periods.now) for s in registry.sections(dashboard.kind)}


def catch_up(key: str) -> str:
    """A Turbo Stream of the sections the cache holds (and the failure state, if any): reads Redis only."""
    dashboard = DashboardKey.parse(key)
    sections = registry.sections(dashboard.kind)
    found = cache.load(key, [s.name for s in sections])
    parts = [render_stream("replace", dom_id(key, s.name), s.template, **section_context(key, s, found[s.name]))
             for s in sections if s.name in found]
    parts.append(render_stream("replace", dom_id(key, "progress"), "dashboard/_progress.html", key=key,
                               percent=percent(len(found), len(sections))))
    failure = cache.failure(key)
    if failure and len(found) < len(sections):
        parts.append(render_stream("replace", dom_id(key, "alert"), "dashboard/_alert.html", key=key,
                                   failure=failure))
    return "".join(parts)
