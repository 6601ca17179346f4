"""Dashboard jobs: refresh one dashboard (kind "dashboard_data"), warm the active ones ("cache_warming")."""
from __future__ import annotations


def refresh_dashboard(key: str) -> str:
    """Compute, cache and stream every section of the dashboard `key` ("dashboard:org:42")."""
    from app.services.dashboards.refresh import refresh

    return refresh(key)


def warm_caches() -> str:
    from app.services.dashboards.warming import warm

    return warm()
