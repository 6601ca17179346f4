"""deploy/: the Grafana dashboard asks only for metric names that Timeboard exports, and the Prometheus config
scrapes the web processes and the gateways."""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def exported_names() -> set[str]:
    """Metric names declared in the code (Counter/Histogram/Gauge and the collectors' families)."""
    source = "\n".join(p.read_text() for p in (ROOT / "app").rglob("*.py"))
    return set(re.findall(r'"(timeboard_[a-z0-9_]+)"', source))


def test_the_grafana_dashboard_uses_exported_metric_names_only():
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"timeboard_[a-z0-9_]+", target["expr"])}
    exported = exported_names()
    suffixes = ("_total", "_bucket", "_count", "_sum")
    missing = {n for n in used if n not in exported and not any(n.endswith(s) and n[: -len(s)] in exported
                                                                  for s in suffixes)}
    assert used and not missing, missing


def test_prometheus_scrapes_web_and_gateways():
    config = (ROOT / "deploy" / "prometheus.yml").read_text()
    assert "job_name: timeboard\n" in config and "job_name: timeboard-gateway" in config
    assert "metrics_path: /metrics" in config and "type: Bearer" in config
