"""bench/api_bench.py --quick runs end to end (its own Redis and SQLite), so the benchmark never rots: both
operations measured on both sides, each with its ratio. (The figures themselves are not asserted: speed is the
benchmark's to report, not a test's.)"""
from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import own_databases
from tests.processes import ROOT

pytestmark = own_databases


def test_the_quick_api_benchmark_prints_both_operations_side_by_side():
    result = subprocess.run([sys.executable, "bench/api_bench.py", "--quick"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = re.findall(r"^(list 20 entries|create an entry)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x$", result.stdout, re.M)
    assert [row[0] for row in rows] == ["list 20 entries", "create an entry"], result.stdout
    for _name, api_rate, page_rate, ratio in rows:
        assert float(api_rate) > 0 and float(page_rate) > 0
        assert abs(float(ratio) - float(api_rate) / float(page_rate)) <= 0.01 + 0.01 * float(ratio)  # rounding
