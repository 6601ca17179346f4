"""Recompute a dashboard section by section, cache each one, and stream it to the dashboard's viewers.

recompute_later(keys) is the one way to ask for it (a coalesced DashboardDataJob per dashboard,
optionally throttled), and recompute_if_watched(keys) asks only for those a page has open, marking the
others stale (a change no page asked for); recompute(key) is that job's work; compute_now(key) is the
one-off synchronous fallback when Redis (and so the queue and the cache) is down; catch_up(key)
renders what the cache holds as a Turbo Stream, for a page whose socket opened after the job had
already pushed. The job and the catch-up build their streams with part_stream(), so the two never drift.

The throttle (data changes pass `throttle=DASHBOARD_THROTTLE_SECONDS`) is leading edge plus one trailing run.
A trailing debounce made every update wait its whole window plus the scheduler's poll; instead the first
change to a quiet dashboard is enqueued at once, so a lone change reaches the screen as fast as a worker
computes it. The changes that follow within the window are enqueued with a delay to the window's end, so
they coalesce (app/background/enqueue.py) into ONE trailing run there, which sees them all; that run opens
the next window, so under a steady stream of changes a dashboard recomputes about once per window, and a
burst inside one window costs at most two runs. A change made while a run is going gets exactly one more
(a running job never absorbs a change). The throttle's state is two Redis keys set in one Lua script (atomic
across processes): the window itself (SET NX PX, whose owner runs now) and the trailing run's due time. They
only choose the delay; the coalescing key (the dashboard's, as for any other request) still decides
whether a pending job already covers the change.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from rq import get_current_job
from sqlalchemy import select

from app import i18n
from app.background.catalog import dashboard_kind
from app.background.enqueue import enqueue
from app.background.tracking import report_progress
from app.dashboards import cache, registry, section_stats
from app.dashboards.cache import Cached
from app.dashboards.charts import N_
from app.dashboards.registry import Section
from app.extensions import db
from app.live import presence
from app.live.streams import broadcast_stream, render_stream, streaming_context
from app.live.topics import DashboardKey
from app.models import Team
from app.redis_client import get_redis
from app.web.helpers import dom_id

log = logging.getLogger(__name__)

PARTS = {"progress": "dashboard/_progress.html", "alert": "dashboard/_alert.html"}  # besides the sections
FAILED = N_("The metrics could not be computed.")  # translated where it is shown (_alert.html)


THROTTLE_PREFIX = "timeboard:dashboard-throttle:"
# KEYS: the window, the trailing run's due time; ARGV: the window in ms. Returns the delay in ms (0: now).
_THROTTLE = """
if redis.call('SET', KEYS[1], 1, 'NX', 'PX', ARGV[1]) then return 0 end
local due = redis.call('PTTL', KEYS[2])
if due > 0 then return due end
due = math.max(redis.call('PTTL', KEYS[1]), 1)
redis.call('SET', KEYS[2], 1, 'PX', due)
redis.call('PEXPIRE', KEYS[1], due + tonumber(ARGV[1]))
return due
"""


def throttle_delay(key: DashboardKey, window: float) -> float | None:
    """How long a change to this dashboard waits: None for the first in a window (it runs now), else the
    seconds to the window's trailing run (a run due then is pushed out by one more window)."""
    name = THROTTLE_PREFIX + str(key)
    ms = get_redis().eval(_THROTTLE, 2, name, name + ":trailing", max(int(window * 1000), 1))
    return ms / 1000 if ms else None


def recompute_later(keys: Iterable[DashboardKey], throttle: float | None = None,
                    requester: int | None = None) -> int:
    """Enqueue the DashboardDataJob of each dashboard; a job already pending for one is reused (coalescing).
    With `throttle` (seconds), the first request in a window runs at once and the rest share one trailing
    run at the window's end (see the module docstring). Returns how many were asked for; raises EnqueueError
    or redis.RedisError when Redis cannot take them."""
    count = 0
    for key in keys:
        delay = throttle_delay(key, throttle) if throttle else None
        enqueue(dashboard_kind(key.kind), str(key), key=str(key), user_id=requester, delay=delay,
                organization_id=organization_of(key))
        count += 1
    return count


def organization_of(key: DashboardKey) -> int | None:
    """The organization a dashboard job works for (its owners and admins see the job on /jobs): an organization's
    or a team's dashboard; a user's spans their organizations, the system one none."""
    if key.kind == "org":
        return key.id
    if key.kind == "team":
        return db.session.scalar(select(Team.organization_id).where(Team.id == key.id))
    return None


def recompute_if_watched(keys: Iterable[DashboardKey], throttle: float | None = None) -> int:
    """recompute_later() for the dashboards an open page watches (app/live/presence.py); the others are only marked
    stale, and the next page view recomputes them. Returns how many were asked for; raises EnqueueError or
    redis.RedisError when Redis cannot take them."""
    keys = list(keys)
    names = presence.watched(keys)
    cache.mark_stale([k for k in keys if str(k) not in names])
    return recompute_later([k for k in keys if str(k) in names], throttle=throttle)


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


PUSH_WITHIN = 0.05  # seconds: sections ready within it of one another reach the page in one push


def recompute(key: DashboardKey) -> str:
    """Recompute every section of the dashboard, caching and pushing the sections as they are ready (below). A
    dashboard nobody has open (app/live/presence.py) is only marked stale: its next page view asks again, and watches
    it.

    The primary section (the headline figures, what a change is first seen in) goes as soon as it is ready. The
    others ready within PUSH_WITHIN of one another go in one push: after each section the job pushes what it holds,
    unless the next section, by its recent compute times (section_stats), will be ready within PUSH_WITHIN of the
    first one held. A dashboard computed in milliseconds reaches its pages in two messages, not one per section (one
    rendering of the progress bar each, fewer messages for the gateways to deliver to each socket); one whose
    sections take longer still streams section by section.

    Each push is one Redis round trip: the held sections' cache entries, their stream (rendered once per language
    the dashboard is open in) and the question which languages those are now, for the next push; the last also
    clears the failure state (on the page too) and records the section times. The first question goes with clearing
    the stale marker and reading the recent times."""
    connection = get_redis()
    sections = registry.sections(key.kind)
    pipe = connection.pipeline(transaction=False)
    cache.clear_stale(key, pipe=pipe)  # before computing: a change made meanwhile marks it stale again
    recent = section_stats.ask_recent(pipe, key.kind, [s.name for s in sections])
    answer = presence.ask_languages(pipe, [key])
    results = pipe.execute()
    watching, expected_ms = answer(results), recent(results)
    if not watching:
        cache.mark_stale([key])
        return f"{key}: not watched, marked stale"
    try:
        ctx = registry.context(key)
    except registry.SubjectGone:
        return f"{key}: gone"
    job = get_current_job()
    times: dict[str, float] = {}
    held: list[tuple[Section, Cached]] = []
    held_since = 0.0
    pipe = connection.pipeline(transaction=False)

    def push(last: bool = False) -> None:
        nonlocal pipe, watching
        parts, done = list(held), percent(len(times), len(sections))
        held.clear()  # pushed or failed: a failure is reported, not pushed again

        def render() -> str:
            with streaming_context():  # the sections and the progress bar: one render context, one push
                stream = "".join(part_stream(key, section, cached=cached) for section, cached in parts)
                stream += part_stream(key, "progress", percent=done)
                return stream + part_stream(key, "alert", failure=None) if last else stream
        rendered_in = watching.get(str(key), set())
        broadcast_stream(key, render, languages=watching, pipe=pipe)
        if last:
            cache.clear_failed(key, pipe=pipe)
            section_stats.record(key.kind, times, pipe=pipe)  # for /jobs, with the push that completes the page
        answer = presence.ask_languages(pipe, [key])
        watching = answer(pipe.execute())
        pipe = connection.pipeline(transaction=False)
        late = watching.get(str(key), set()) - rendered_in - {i18n.DEFAULT}
        if late:  # a page in another language opened since the last answer: what this push carried goes to it too
            broadcast_stream(key, render, languages={str(key): late}, english=False)

    try:
        for i, section in enumerate(sections, 1):
            started = time.perf_counter()
            data = section.compute(ctx)
            ms = round((time.perf_counter() - started) * 1000, 1)
            times[section.name] = ms
            held_since = held_since if held else time.perf_counter()
            held.append((section, cache.store(key, section.name, data, pipe=pipe,
                                              meta={"job_id": job.id if job else None, "ms": ms})))
            if i == len(sections):
                push(last=True)
            elif section.primary or not _ready_together(held_since, expected_ms.get(sections[i].name)):
                push()
            report_progress(percent(i, len(sections)))
    except Exception:
        log.exception("dashboard %s failed", key)
        try:
            if held:
                push()  # what was ready before the failure still reaches the page
        except Exception:
            log.exception("could not push what %s had computed", key)
        try:
            cache.mark_failed(key, FAILED)
            broadcast_stream(key, lambda: part_stream(key, "alert", failure=FAILED))
        except Exception:  # Redis may be what failed; the job's own failure is what matters
            log.exception("could not report the failure of %s", key)
        raise
    return f"{key}: {len(sections)} sections"


def _ready_together(held_since: float, next_ms: float | None) -> bool:
    """Will the next section be ready within PUSH_WITHIN of the first one held, by the longest of its recent times?
    Not when its time is unknown."""
    return next_ms is not None and time.perf_counter() - held_since + next_ms / 1000 <= PUSH_WITHIN


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
