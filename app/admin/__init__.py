"""rq-dashboard at /admin/rq, for system admins only."""
from flask import Flask


def register_rq_dashboard(app: Flask) -> None:
    pass
