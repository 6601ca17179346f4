"""Computation per dashboard type: every registry section's compute() over a fresh context (what the job computes,
and what a synchronous page would compute in its request: app.dashboards.recompute.compute_now), against
the same figures as hand-written SQL on the same connection (bench/_bare_sql.py). Medians, in milliseconds.

Runs inside an app context on the run's working copy of a database.
"""
from __future__ import annotations

import statistics

from bench._bare_sql import bare_figures
from bench._common import median_ms, timed_ms

KINDS = ("user", "team", "org", "system")


def compute_dashboard(key) -> None:
    """The job's computation of one dashboard, with no cache and no broadcast, in a fresh session."""
    from app.dashboards.recompute import compute_now
    from app.extensions import db

    compute_now(key)
    db.session.remove()


def compute_bare(kind: str, subjects, periods) -> None:
    from app.extensions import db

    subject_id = None if kind == "system" else subjects.key(kind).id
    bare_figures(kind, subject_id, subjects.organization_id, periods)
    db.session.remove()


def measure_computation(subjects, runs: int) -> dict[str, dict[str, float]]:
    """{kind: {"compute_ms": median, "bare_ms": median}}; one unmeasured run of each first (the page cache)."""
    from app.dashboards import registry
    from app.extensions import db

    figures = {}
    for kind in KINDS:
        key = subjects.key(kind)
        periods = registry.context(key).periods
        db.session.remove()
        compute_dashboard(key)
        compute_bare(kind, subjects, periods)
        figures[kind] = {"compute_ms": median_ms(lambda k=key: compute_dashboard(k), runs),
                         "bare_ms": median_ms(lambda k=kind, p=periods: compute_bare(k, subjects, p), runs)}
    return figures


def median_compute_ms(keys) -> float:
    """Median computation time over several dashboards (one run each): what their jobs' worker time is set against."""
    return statistics.median(timed_ms(lambda k=key: compute_dashboard(k)) for key in keys)


def job_function(key) -> None:
    """What a dashboard's job does, called in this process: every section computed, cached, rendered and published
    (the dashboard is watched), with no job system around it; in a fresh session."""
    from app.dashboards.recompute import recompute
    from app.extensions import db

    recompute(key)
    db.session.remove()


def median_job_function_ms(keys) -> float:
    """Median time of the job's function over several dashboards (one run each), marked watched first (a series may
    have emptied Redis): the job system's own share of a job's worker time is what that time adds to this."""
    from app.live import presence

    presence.mark_watched(keys)
    return statistics.median(timed_ms(lambda k=key: job_function(k)) for key in keys)


def render_dashboard(key, computed) -> None:
    """What a dashboard's job renders for a page in one language, its sections computed: every section, the
    progress bar of each of its two pushes and the cleared alert, in one stream context each push, as the job does."""
    from app.dashboards import registry
    from app.dashboards.recompute import part_stream
    from app.live.streams import streaming_context

    sections = registry.sections(key.kind)
    with streaming_context():
        part_stream(key, sections[0], cached=computed[sections[0].name])
        part_stream(key, "progress", percent=25)
    with streaming_context():
        for section in sections[1:]:
            part_stream(key, section, cached=computed[section.name])
        part_stream(key, "progress", percent=100)
        part_stream(key, "alert", failure=None)


def median_render_ms(keys) -> float:
    """Median time of render_dashboard() over several dashboards (one run each, computed first, unmeasured): the share
    of the job's function that is the page's HTML, which no job system can take off it."""
    from app.dashboards.recompute import compute_now
    from app.extensions import db

    computed = {key: compute_now(key) for key in keys}
    db.session.remove()
    return statistics.median(timed_ms(lambda k=key: render_dashboard(k, computed[k])) for key in keys)
