"""bench/run.py's --only jobs (issue 23: measure the job engine alone) and the job rows' goals."""
from __future__ import annotations

import json

from bench._report import OF_BASELINE, Row
from bench.run import judge_goals, parse_args, wants


def test_only_jobs_builds_the_largest_size_alone_and_runs_no_other_section():
    settings = parse_args(["--only", "jobs", "--sizes", "10k,100k", "--quick"])
    assert settings.sizes == [100_000]
    assert wants(settings, "jobs")
    assert not any(wants(settings, s) for s in ("computation", "pages", "latency", "seeding", "fanout"))


def test_only_fanout_builds_no_database_and_runs_the_fanout_rows_alone():
    settings = parse_args(["--only", "fanout", "--sizes", "10k,100k"])
    assert settings.sizes == []
    assert wants(settings, "fanout")
    assert not any(wants(settings, s) for s in ("computation", "pages", "latency", "seeding", "jobs"))


def test_without_only_every_size_and_section_runs():
    settings = parse_args(["--sizes", "10k,100k"])
    assert settings.sizes == [10_000, 100_000]
    assert all(wants(settings, s) for s in ("computation", "pages", "jobs", "seeding", "fanout"))


def noop_row(worker_class: str, ours: float, bare: float) -> Row:
    return Row("jobs", f"no-op jobs/s through our enqueue + worker, {worker_class}", "1M", ours, "jobs/s",
               baseline=bare, ratio_kind=OF_BASELINE, extra={"worker_class": worker_class, "kind": "no-op jobs"})


def test_the_non_forking_no_op_goal_is_issue_23s_0_8x_and_the_forking_one_stays_0_6x():
    rows = [noop_row("non-forking", 75, 100), noop_row("forking", 75, 100), noop_row("non-forking", 80, 100)]
    judge_goals(rows)
    assert [(r.goal, r.met) for r in rows] == [(">= 0.80x of bare RQ at 1M", False),
                                               (">= 0.60x of bare RQ at 1M", True),
                                               (">= 0.80x of bare RQ at 1M", True)]


def result(name: str, broadcast_p95: float, sustain_p95: float, held_p95: float) -> dict:
    return {"name": name, "connected": 10_000, "subscribers": 1000, "sustain_rate": 100.0, "lost": 0,
            "broadcast": [50.0, broadcast_p95, 200.0], "sustain": [10.0, sustain_p95, 700.0],
            "held_written": [40.0, held_p95, 120.0]}


def test_the_fan_out_rows_put_several_gateway_processes_beside_one(tmp_path):
    from types import SimpleNamespace

    from bench.run import fanout_rows

    path = tmp_path / "stream_bench.json"
    path.write_text(json.dumps({"written_at": "2026-12-06T10:00:00Z", "options": {},
                                "results": [result("gateway", 160, 500, 150), result("gateway x2", 80, 750, 90)]}))
    run = SimpleNamespace(settings=SimpleNamespace(stream_json=path), rows=[])
    fanout_rows(run)
    several = [row for row in run.rows if "2 gateway processes" in row.what]
    assert [(row.value, row.baseline) for row in several] == [(80, 160), (90, 150), (750, 500)]
    assert several[0].shown == "50 / 80 / 200 ms"
