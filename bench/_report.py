"""Rows of bench/run.py's table: each figure with its baseline, their ratio (which way is said), the issue's goal
where it names one, and met / not met. Printed as one Markdown table and written as JSON.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

SECTIONS = {
    "pages": "page TTFB per dashboard type vs the synchronous page",
    "computation": "computation per dashboard type vs bare SQL for the same figures",
    "latency": "change -> socket latency",
    "jobs": "job throughput vs bare RQ, per worker class",
    "seeding": "seeding rows/s vs naive ORM",
    "fanout": "broadcast fan-out (from bench/stream_bench.py)",
}

FASTER = "baseline / value"  # how many times faster than the baseline (bigger is better)
OF_BASELINE = "value / baseline"  # the figure as a multiple of its baseline


@dataclass
class Row:
    section: str
    what: str
    size: str  # "10k", "1M", "" for figures that do not depend on the size
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_what: str = ""
    ratio_kind: str = ""  # FASTER or OF_BASELINE
    shown: str = ""  # the value as printed, when it is more than one number (p50 / p95 / p99)
    goal: str = ""
    met: bool | None = None  # None: no goal, or not at the size the goal names
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value in (None, 0) or self.baseline in (None, 0) or not self.ratio_kind:
            return None
        return self.baseline / self.value if self.ratio_kind == FASTER else self.value / self.baseline

    def set_goal(self, text: str, met: bool | None) -> None:
        self.goal, self.met = text, met


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f} {unit}".rstrip()


def ratio_text(row: Row) -> str:
    if row.ratio is None:
        return ""
    return f"{row.ratio:,.2f}x ({row.ratio_kind})"


def met_text(row: Row) -> str:
    return "" if not row.goal else {True: "met", False: "NOT met", None: "-"}[row.met]


def table(rows: list[Row]) -> str:
    head = ["section", "what", "size", "value", "baseline", "ratio", "goal", "met", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        baseline = f"{number(r.baseline, r.unit)} ({r.baseline_what})" if r.baseline is not None else r.baseline_what
        cells = [r.section, r.what, r.size, r.shown or number(r.value, r.unit), baseline, ratio_text(r), r.goal,
                 met_text(r), r.note]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def write_json(path: Path, rows: list[Row], meta: dict) -> None:
    sections = {name: {"title": title, "rows": []} for name, title in SECTIONS.items()}
    for row in rows:
        sections[row.section]["rows"].append({**asdict(row), "ratio": row.ratio})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": meta, "sections": sections}, indent=2, default=str))
