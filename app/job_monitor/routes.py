"""Job monitor: /jobs (the search and the list first, counts, throughput), /jobs/<id>, and the actions on one
job. The other tabs (queues, workers, recurring entries, per organization) are tabs.py; operating the platform
(queues, recurring entries) is operations.py; bulk actions are bulk.py. Every page and action asks app/policies.py."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.background import eta, tracking
from app.background.enqueue import JobActionError, JobQueueUnavailable
from app.background.enqueue import cancel as cancel_job
from app.background.enqueue import retry as retry_job
from app.extensions import db
from app.job_monitor import discards, trace, wording
from app.job_monitor import queries as monitor
from app.organizations import audit
from app.reports.limits import starts_a_report
from app.reports.runs import KIND as REPORT_KIND
from app.web.form_filters import parse_page

bp = Blueprint("job_monitor", __name__)
bp.add_app_template_global(wording.label, "job_label")
bp.add_app_template_global(wording.status_word, "job_status_word")
bp.add_app_template_global(wording.worker_state_word, "worker_state_word")
bp.add_app_template_global(wording.number, "job_number")
bp.add_app_template_global(wording.title, "job_title")
bp.add_app_template_global(wording.attempts, "job_attempts")
bp.add_app_template_global(wording.runs_at, "job_runs_at")
bp.add_app_template_global(discards.restorable, "job_restorable")
bp.add_app_template_global(eta.words, "job_eta")
bp.add_app_template_global(eta.REREAD_SECONDS, "eta_reread_seconds")
bp.add_app_template_global(trace.waterfall, "job_waterfall")


@bp.get("/jobs")
@login_required
def index():
    filters, errors = monitor.Filters.parse(request.args)
    exact = monitor.exact_match(current_user, filters) if not errors else None
    if exact is not None:
        return redirect(url_for("job_monitor.show", identifier=exact.rq_job_id))
    page = monitor.listing(current_user, filters, parse_page(request.args.get("page", "1")) or 1)
    return render_template(
        "job_monitor/index.html", page=page, filters=filters, errors=errors,
        counts=monitor.status_counts(current_user, filters), buckets=monitor.throughput(current_user),
        can_bulk=policies.can_bulk_jobs(current_user),
        statuses=monitor.STATUSES, queue_names=monitor.QUEUES, kinds=sorted(monitor.KINDS),
        stream_topics=monitor.topics(current_user),
    ), (422 if errors else 200)


@bp.get("/jobs/<identifier>")
@login_required
def show(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, _("No such job."))
    return render_template("job_monitor/show.html", job=job, stream_topics=monitor.topics(current_user))


@bp.get("/jobs/<identifier>/eta")
@login_required
def eta_frame(identifier: str):
    """The job's time to start, read again by its page while it waits (templates/job_monitor/_eta.html)."""
    job = monitor.find_visible(current_user, identifier) or abort(404, _("No such job."))
    return render_template("job_monitor/_eta.html", frame_id=f"job-{job.rq_job_id}-eta", words=eta.words(job))


def _not_a_report_job() -> bool:
    job = monitor.find_job((request.view_args or {}).get("identifier", ""))
    return job is None or job.kind != REPORT_KIND


@bp.post("/jobs/<identifier>/retry")
@login_required
@starts_a_report(exempt_when=_not_a_report_job)  # a report's job retried here starts the report again
def retry(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, _("No such job."))
    job.count_manual_retry()  # committed with the retry itself
    try:
        retry_job(job)
    except JobQueueUnavailable as exc:
        db.session.rollback()
        abort(503, str(exc))
    except JobActionError as exc:
        db.session.rollback()
        abort(409, str(exc))
    flash(_("%(job)s: job requeued.", job=wording.title(job)), "info")
    return _back()


@bp.post("/jobs/<identifier>/cancel")
@login_required
def cancel(identifier: str):
    job = monitor.find_visible(current_user, identifier) or abort(404, _("No such job."))
    try:
        cancel_job(job)
    except JobQueueUnavailable as exc:
        abort(503, str(exc))
    except JobActionError as exc:
        abort(409, str(exc))
    flash(_("%(job)s: job canceled.", job=wording.title(job)), "info")
    return _back()


@bp.post("/jobs/<identifier>/restore")
@login_required
def restore(identifier: str):
    """Undo a discard (within 24 hours): the job is failed and listed again, and can be retried."""
    job = monitor.find_visible(current_user, identifier) or abort(404, _("No such job."))
    try:
        discards.restore_one(job)
    except discards.RestoreError as exc:
        abort(409, str(exc))
    audit.record("jobs.restore", organization=job.organization_id, actor=current_user, target=job.rq_job_id)
    tracking.save(job)  # commits, and shows the job again on every open monitor
    flash(_("%(job)s: job restored; it is failed again and can be retried.", job=wording.title(job)), "info")
    return _back()


def _back():
    target = request.form.get("next", "")
    if not target.startswith("/jobs") or target.startswith("//"):
        target = url_for("job_monitor.index")
    return redirect(target, 303)
