"""bench/run.py --quick, so that the benchmark never rots: it runs end to end (its own redis-server, seeded
databases, gunicorn, gateway, workers) and writes every section as JSON. Its figures are not asserted: a benchmark
measures, the tests check behaviour."""
from __future__ import annotations

import json
import subprocess
import sys
from numbers import Number

from tests.conftest import own_databases
from tests.processes import ROOT

SECTIONS_WITH_FIGURES = ["pages", "computation", "latency", "jobs", "seeding"]

pytestmark = own_databases


def test_the_quick_benchmark_runs_and_writes_every_section(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--dir", str(tmp_path / "cache"), "--json", str(out),
         "--stream-json", str(tmp_path / "no-stream-bench.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    sections = json.loads(out.read_text())["sections"]
    for name in SECTIONS_WITH_FIGURES:
        rows = sections[name]["rows"]
        assert rows, f"no {name} rows"
        assert any(isinstance(row["value"], Number) for row in rows), f"no {name} figure"
        assert all(isinstance(row["baseline"], Number) for row in rows), f"a {name} row without its baseline"
    fanout = sections["fanout"]["rows"]
    assert fanout and "stream_bench.py --json" in fanout[0]["note"], "says how to get the fan-out figures"
    assert not list((tmp_path / "cache").glob("*.sqlite3")), "without --seed nothing is cached"
