"""Dashboard jobs: recompute one dashboard (kind "dashboard_data"), warm the active ones ("cache_warming")."""
from __future__ import annotations

from app.dashboards.recompute import recompute
from app.dashboards.warming import warm
from app.live.topics import DashboardKey


def recompute_dashboard(key: str) -> str:
    """Compute, cache and stream every section of the dashboard `key` ("dashboard:org:42")."""
    return recompute(DashboardKey.parse(key))


def warm_caches() -> str:
    return warm()
