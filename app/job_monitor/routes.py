"""Job monitor: /jobs (counts, queues, throughput, the table), /jobs/<id>, and the job actions."""
from __future__ import annotations

import redis
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.background import monitor, recurring
from app.background.enqueue import EnqueueError, JobActionError, JobQueueUnavailable
from app.background.enqueue import cancel as cancel_job
from app.background.enqueue import retry as retry_job
from app.form_filters import parse_page
from app.redis_client import get_redis

bp = Blueprint("jobs", __name__)


@bp.get("/jobs")
@login_required
def index():
    filters, errors = monitor.Filters.parse(request.args)
    page = monitor.listing(current_user, filters, parse_page(request.args.get("page", "1")) or 1)
    return render_template(
        "jobs/index.html", page=page, filters=filters, errors=errors,
        counts=monitor.status_counts(current_user), queues=_queue_health(),
        buckets=monitor.throughput(current_user), recurring=_recurring() if current_user.is_system_admin else None,
        statuses=monitor.STATUSES, queue_names=monitor.QUEUES, kinds=sorted(monitor.KINDS),
        stream_topics=monitor.topics(current_user),
    ), (422 if errors else 200)


@bp.get("/jobs/<identifier>")
@login_required
def show(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, "No such job.")
    return render_template("jobs/show.html", job=job, stream_topics=monitor.topics(current_user))


@bp.post("/jobs/<identifier>/retry")
@login_required
def retry(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, "No such job.")
    try:
        retry_job(job)
    except JobQueueUnavailable as exc:
        abort(503, str(exc))
    except JobActionError as exc:
        abort(409, str(exc))
    flash(f"{job.kind} job requeued.", "info")
    return _back()


@bp.post("/jobs/<identifier>/cancel")
@login_required
def cancel(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, "No such job.")
    try:
        cancel_job(job)
    except JobQueueUnavailable as exc:
        abort(503, str(exc))
    except JobActionError as exc:
        abort(409, str(exc))
    flash(f"{job.kind} job canceled.", "info")
    return _back()


@bp.post("/jobs/recurring/<name>/run")
@login_required
def run_recurring(name: str):
    if not current_user.is_system_admin:
        abort(403, "Only system admins run recurring jobs by hand.")
    if name not in recurring.ENTRIES:
        abort(404, f"No recurring entry {name!r}.")
    try:
        status = recurring.run_entry(name)
    except EnqueueError as exc:
        abort(503, str(exc))
    flash(f"{name}: job {status.rq_job_id[:8]} is {status.status}.", "info")
    return redirect(url_for("jobs.index"), 303)


def _back():
    target = request.form.get("next", "")
    if not target.startswith("/jobs") or target.startswith("//"):
        target = url_for("jobs.index")
    return redirect(target, 303)


def _queue_health():
    try:
        return monitor.queue_health()
    except redis.RedisError:
        return None


def _recurring():
    try:
        runs = recurring.next_runs(recurring.make_scheduler(get_redis()))
        return [(entry, entry.is_enabled(), runs.get(entry.name)) for entry in recurring.RECURRING]
    except redis.RedisError:
        return [(entry, None, None) for entry in recurring.RECURRING]
