"""The function RQ actually runs: it tracks JobStatus around the real job function.

Every job enqueued through app.background.enqueue.enqueue() runs as perform(kind, *args), so
status, timings, attempts and errors are recorded without the job's own code doing anything.
A job enqueued some other way (rq-dashboard's requeue, `rq enqueue jobs.runner.perform kind`)
gets its JobStatus row here, on its first run.
"""
from __future__ import annotations

import logging
import os
import socket

from flask_babel import force_locale
from rq import get_current_job
from werkzeug.utils import import_string

from app import i18n
from app.background import tracking
from app.background.catalog import get_kind
from app.extensions import db
from app.models import JobState
from app.observability.sentry import tag_job
from app.web import request_id

log = logging.getLogger(__name__)


def perform(kind: str, *args):
    """The job's log lines carry the id of the request that enqueued it (app/web/request_id.py), and its own id."""
    job = get_current_job()
    origin = (job.meta or {}).get("request_id") if job else None
    with request_id.job_context(origin, job.id if job else None):
        if job:
            tag_job(job.id, kind, origin)
        return _perform(kind, job, *args)


def _perform(kind: str, job, *args):
    with force_locale(i18n.DEFAULT):  # a job speaks English (its summaries, logs) unless it speaks to someone
        return _perform_in_english(kind, job, *args)  # (app.i18n.speaking_to), whatever the worker's shell says


def _perform_in_english(kind: str, job, *args):
    spec = get_kind(kind)
    job_id = job.id if job else None
    worker = f"{socket.gethostname()}:{os.getpid()}"
    log.info("job %s (%s) started", job_id, spec.name)
    status = brief = None
    try:
        if job_id:
            brief = tracking.start_brief(job, spec, worker)  # a brief kind nobody watches: nothing written yet
            if brief is None:
                status = tracking.ensure(job, spec.name, max_attempts=spec.retries + 1)
                if status.status == JobState.CANCELED:
                    return "canceled before it started"  # canceled in the instant a worker took it
                tracking.mark_processing(status, worker, asked=tracking.presence_asked_with(job))
        try:
            result = import_string(spec.func)(*args)
        except Exception as exc:
            db.session.rollback()
            if brief:
                tracking.fail_brief(brief, exc, will_retry=bool(job.retries_left))
            elif job_id:
                tracking.mark_failed(job_id, exc, will_retry=bool(job.retries_left))
            log.warning("job %s (%s) failed: %s", job_id, spec.name, exc)
            raise
        summary = None if result is None else str(result)
        if brief:
            tracking.complete_brief(brief, summary)
        elif job_id:
            tracking.mark_completed(job_id, summary, status=status)
        log.info("job %s (%s) completed", job_id, spec.name)
        return result
    finally:
        db.session.remove()
