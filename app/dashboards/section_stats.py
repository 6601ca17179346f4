"""How dashboard sections are doing, for /jobs: each section's compute time (p50/p95 of its last SAMPLES runs, kept
in Redis by the dashboard job) and its freshness (the age of the cached values against DASHBOARD_FRESH_SECONDS).
Every function raises redis.RedisError when Redis is down."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from app.dashboards.cache import PREFIX
from app.models import utcnow
from app.redis_client import get_redis

TIMES = "timeboard:section-times:"  # + "<dashboard kind>:<section>": a list of recent compute times (ms)
SAMPLES = 200
RECENT = 10  # runs a dashboard job looks back on to expect a section's time (app/dashboards/recompute.py)
SCAN_LIMIT = 5000  # cached entries looked at for freshness, at most


def record(kind: str, times: dict[str, float], pipe) -> None:
    """A dashboard job's compute time per section (ms), on the pipeline of its last push."""
    for section, ms in times.items():
        pipe.lpush(f"{TIMES}{kind}:{section}", ms)
        pipe.ltrim(f"{TIMES}{kind}:{section}", 0, SAMPLES - 1)


def ask_recent(pipe, kind: str, sections: list[str], samples: int = RECENT) -> Callable[[list], dict[str, float]]:
    """Ask, on a pipeline that carries other commands, each section's longest compute time (ms) over the last
    `samples` runs of its dashboard kind (a kind's dashboards differ in size: the longest errs on the side of pushing
    early); call the returned function with pipe.execute()'s results. A section with no run yet is left out."""
    start = len(pipe)
    for section in sections:
        pipe.lrange(f"{TIMES}{kind}:{section}", 0, samples - 1)

    def answer(results: list) -> dict[str, float]:
        found = zip(sections, results[start:start + len(sections)], strict=True)
        return {section: max(float(ms) for ms in raw) for section, raw in found if raw}

    return answer


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class SectionFigures:
    kind: str
    section: str
    samples: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    cached: int = 0
    fresh: int = 0
    oldest_age_s: int | None = None
    ages: list[int] = field(default_factory=list, repr=False)


def summary(dashboards: Iterable[str] | None = None, now: datetime | None = None) -> list[SectionFigures]:
    """Per (dashboard kind, section): compute-time percentiles and freshness of the cached values, for the
    dashboards named (their keys, "dashboard:org:42"), or every dashboard when None. The compute times are kept per
    kind across every organization, so only the latter (a system admin's view) has them: an organization's owner
    would read other organizations' runs in them."""
    r = get_redis()
    now = now or utcnow()
    target = current_app.config["DASHBOARD_FRESH_SECONDS"]
    allowed = set(dashboards) if dashboards is not None else None
    figures: dict[tuple[str, str], SectionFigures] = {}
    for raw in r.scan_iter(match=f"{TIMES}*", count=500) if allowed is None else ():
        kind, section = raw.decode()[len(TIMES):].split(":", 1)
        values = [float(v) for v in r.lrange(raw, 0, SAMPLES - 1)]
        figures[(kind, section)] = SectionFigures(kind, section, len(values), percentile(values, 50),
                                                  percentile(values, 95))
    names = []
    for i, raw in enumerate(r.scan_iter(match=f"{PREFIX}dashboard:*", count=500)):
        if i >= SCAN_LIMIT:
            break
        name = raw.decode()[len(PREFIX):]
        dashboard, _, section = name.rpartition(":")
        if section in ("stale", "failed") or (allowed is not None and dashboard not in allowed):
            continue
        names.append((raw, dashboard, section))
    values = r.mget([raw for raw, _, _ in names]) if names else []
    for (_, dashboard, section), value in zip(names, values, strict=True):
        if not value:
            continue
        kind = dashboard.split(":")[1]
        entry = figures.setdefault((kind, section), SectionFigures(kind, section))
        age = max(0, int((now - datetime.fromisoformat(json.loads(value)["at"])).total_seconds()))
        entry.cached += 1
        entry.fresh += age <= target
        entry.oldest_age_s = age if entry.oldest_age_s is None else max(entry.oldest_age_s, age)
    return sorted(figures.values(), key=lambda f: (f.kind, f.section))
