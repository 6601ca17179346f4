"""The job monitor blueprint (/jobs). Its endpoints keep the name "jobs" (url_for("jobs.index"));
its queries are app/background/monitor.py."""
from app.job_monitor.routes import bp

__all__ = ["bp"]
