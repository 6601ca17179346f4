"""bench/report_bench.py --quick runs end to end (so the benchmark never rots); its figures are not asserted."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import own_databases

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = own_databases


def test_the_report_benchmark_runs_quick():
    done = subprocess.run([sys.executable, "bench/report_bench.py", "--quick"], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line.split() for line in done.stdout.splitlines()[1:]]
    assert {(cols[1], cols[2]) for cols in lines} == {(f, m) for f in ("csv", "xlsx", "pdf")
                                                      for m in ("streaming", "naive")}
    assert all(cols[0] == "2,000" for cols in lines)
