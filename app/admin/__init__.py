"""Operator surfaces: rq-dashboard at /admin/rq (rq_dashboard.py) and /metrics (metrics.py)."""
