"""Jobs in plain words, for the job monitor's rows and pages (template globals, registered by routes.py): a kind's
label instead of its internal name, what a report job makes ("Report for March 2026"), attempts that read right
after a manual retry, and when a delayed job will run. The partials using these are streamed to every allowed
viewer, so nothing here depends on who looks."""
from __future__ import annotations

import calendar
from datetime import UTC, date, datetime

import redis
from rq.exceptions import NoSuchJobError
from rq.registry import ScheduledJobRegistry

from app.background.catalog import KINDS
from app.extensions import db
from app.models import JobState, JobStatus, Report, WebhookDelivery, utcnow
from app.redis_client import get_redis
from app.web.form_filters import parse_id

REPORT_KIND = "report_generation"
WEBHOOK_KIND = "webhook_delivery"


def label(kind: str) -> str:
    spec = KINDS.get(kind)
    return spec.label if spec and spec.label else kind.replace("_", " ").capitalize()


def title(job: JobStatus) -> str:
    """What the job does, in words a member reads: the report's period for a report, else the kind's label."""
    if job.kind == REPORT_KIND:
        report_id = parse_id(job.args_summary or "")
        report = db.session.get(Report, report_id) if report_id is not None else None
        period = report_period(report) if report is not None else None
        if period:
            return f"Report for {period}"
    if job.kind == WEBHOOK_KIND:  # "Webhook delivery: timer.started" (not the URL: it may hold a receiver's token)
        delivery = db.session.get(WebhookDelivery, (job.args_summary or "").strip("'")[:36])
        if delivery is not None:
            return f"{label(job.kind)}: {delivery.event}"
    return label(job.kind)


def report_period(report: Report) -> str | None:
    try:
        start = date.fromisoformat(report.params["date_from"])
        end = date.fromisoformat(report.params["date_to"])
    except (KeyError, TypeError, ValueError):
        return None
    return period(start, end)


def period(start: date, end: date) -> str:
    """"March 2026", "2026", "3 Mar 2026", "1 Mar - 15 Mar 2026", "28 Feb 2026 - 2 Mar 2026"."""
    if start.year == end.year and start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31:
        return str(start.year)
    if (start.year, start.month) == (end.year, end.month) and start.day == 1 \
            and end.day == calendar.monthrange(end.year, end.month)[1]:
        return start.strftime("%B %Y")
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} - {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} - {end.day} {end:%b %Y}"


def attempts(job: JobStatus) -> str:
    """"attempt 2 of 3"; after manual retries, automatic and manual attempts apart: "attempt 4 (3 automatic + 1
    manual retry)". A retry waiting for a worker has not run yet, so it is not counted as an attempt."""
    manual = job.manual_retries or 0
    ran_manual = manual - 1 if manual and job.status == JobState.PENDING else manual
    if job.attempts == 0:
        return "not started"
    if not ran_manual:
        return f"attempt {job.attempts} of {job.max_attempts}" + (", retried by hand: waiting" if manual else "")
    automatic = max(0, job.attempts - ran_manual)
    return (f"attempt {job.attempts} ({automatic} automatic + {ran_manual} manual "
            f"retr{'y' if ran_manual == 1 else 'ies'})" + (", retried by hand again: waiting" if manual > ran_manual
                                                          else ""))


def runs_at(job: JobStatus) -> datetime | None:
    """When a delayed (or retry-scheduled) pending job will run (naive UTC): its due time, else RQ's scheduled
    registry; None for a job queued to run as soon as a worker is free (or while Redis is down)."""
    if job.status != JobState.PENDING:
        return None
    if job.run_at is not None and job.run_at > utcnow():  # enqueued with a delay
        return job.run_at
    try:  # an automatic retry waiting out its interval
        when = ScheduledJobRegistry(job.queue, connection=get_redis()).get_scheduled_time(job.rq_job_id)
    except (NoSuchJobError, redis.RedisError):
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
