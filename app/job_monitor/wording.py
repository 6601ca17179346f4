"""Jobs in plain words, for the job monitor's rows and pages (template globals, registered by routes.py): a kind's
label instead of its internal name, what a report job makes ("Report for March 2026"), attempts that read right
after a manual retry, and when a delayed job will run. The partials using these are streamed to every allowed
viewer, so nothing here depends on who looks but the language being spoken (a request's, or the process's)."""
from __future__ import annotations

import calendar
from datetime import UTC, date, datetime

import redis
from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from rq.exceptions import NoSuchJobError
from rq.registry import ScheduledJobRegistry

from app.background.catalog import KINDS
from app.extensions import db
from app.models import JobState, JobStatus, Report, WebhookDelivery, utcnow
from app.redis_client import get_redis
from app.web.form_filters import parse_id

REPORT_KIND = "report_generation"
WEBHOOK_KIND = "webhook_delivery"

# A job's status and a worker's state as words on the pages (the values themselves stay: CSS, data-*, filters).
STATUS_WORDS = {"pending": _l("pending"), "processing": _l("processing"), "completed": _l("completed"),
                "failed": _l("failed"), "canceled": _l("canceled"), "discarded": _l("discarded")}
WORKER_STATES = {"busy": _l("busy"), "idle": _l("idle"), "suspended": _l("suspended"), "started": _l("started"),
                 "lost": _l("lost")}


def locale() -> str:
    """The language being spoken (a request's, a job's `speaking_to`), "en" outside any."""
    return str(get_locale() or "en")


def number(value: int) -> str:
    """1,234 in English, 1.234 in German..."""
    return format_decimal(value, locale=locale())


def status_word(status) -> str:
    word = STATUS_WORDS.get(str(status))
    return str(word) if word is not None else str(status)


def worker_state_word(state) -> str:
    word = WORKER_STATES.get(str(state))
    return str(word) if word is not None else str(state)


def label(kind: str) -> str:
    spec = KINDS.get(kind)  # the catalogue's labels are English, marked there (N_) and translated here
    return _(spec.label) if spec and spec.label else kind.replace("_", " ").capitalize()


def title(job: JobStatus) -> str:
    """What the job does, in words a member reads: the report's period for a report, else the kind's label."""
    if job.kind == REPORT_KIND:
        report_id = parse_id(job.args_summary or "")
        report = db.session.get(Report, report_id) if report_id is not None else None
        period = report_period(report) if report is not None else None
        if period:
            return _("Report for %(period)s", period=period)
    if job.kind == WEBHOOK_KIND:  # "Webhook delivery: timer.started" (not the URL: it may hold a receiver's token)
        delivery = db.session.get(WebhookDelivery, (job.args_summary or "").strip("'")[:36])
        if delivery is not None:
            return _("%(kind)s: %(event)s", kind=label(job.kind), event=delivery.event)
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
    here = locale()
    if (start.year, start.month) == (end.year, end.month) and start.day == 1 \
            and end.day == calendar.monthrange(end.year, end.month)[1]:
        return format_date(start, "LLLL y", locale=here)
    day = "d. MMM" if here == "de" else "d MMM"  # German writes the day as an ordinal: "3. März"
    if start == end:
        return format_date(start, f"{day} y", locale=here)
    if start.year == end.year:
        return f"{format_date(start, day, locale=here)} - {format_date(end, f'{day} y', locale=here)}"
    return f"{format_date(start, f'{day} y', locale=here)} - {format_date(end, f'{day} y', locale=here)}"


def attempts(job: JobStatus) -> str:
    """"attempt 2 of 3"; after manual retries, automatic and manual attempts apart: "attempt 4 (3 automatic + 1
    manual retry)". A retry waiting for a worker has not run yet, so it is not counted as an attempt."""
    manual = job.manual_retries or 0
    ran_manual = manual - 1 if manual and job.status == JobState.PENDING else manual
    if job.attempts == 0:
        return _("not started")
    if not ran_manual:
        if manual:
            return _("attempt %(attempt)s of %(max)s, retried by hand: waiting", attempt=job.attempts,
                     max=job.max_attempts)
        return _("attempt %(attempt)s of %(max)s", attempt=job.attempts, max=job.max_attempts)
    automatic = max(0, job.attempts - ran_manual)
    if manual > ran_manual:
        return ngettext("attempt %(attempt)s (%(automatic)s automatic + %(num)d manual retry), retried by hand again: "
                        "waiting",
                        "attempt %(attempt)s (%(automatic)s automatic + %(num)d manual retries), retried by hand "
                        "again: waiting", ran_manual, attempt=job.attempts, automatic=automatic)
    return ngettext("attempt %(attempt)s (%(automatic)s automatic + %(num)d manual retry)",
                    "attempt %(attempt)s (%(automatic)s automatic + %(num)d manual retries)", ran_manual,
                    attempt=job.attempts, automatic=automatic)


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
