"""Operating the platform from /jobs (system admins): pause and resume a queue, run a recurring entry now,
switch one on or off. Each change is recorded in the audit trail (platform-wide: no organization)."""
from __future__ import annotations

import redis
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.background import pause, recurring, tracking
from app.background.catalog import QUEUES
from app.background.enqueue import EnqueueError
from app.extensions import db
from app.job_monitor.routes import bp
from app.live.topics import JobsTopic
from app.organizations import audit
from app.reports.limits import runs_scheduled_reports, starts_a_report


def _operator_only() -> None:
    if not policies.can_operate_jobs(current_user):
        abort(403, _("Only system admins operate queues and recurring jobs."))


@bp.post("/jobs/queues/<name>/pause")
@login_required
def pause_queue(name: str):
    return _switch_queue(name, paused=True)


@bp.post("/jobs/queues/<name>/resume")
@login_required
def resume_queue(name: str):
    return _switch_queue(name, paused=False)


def _switch_queue(name: str, paused: bool):
    _operator_only()
    if name not in QUEUES:
        abort(404, _("No queue %(name)s.", name=repr(name[:40])))
    try:
        changed = pause.pause(name) if paused else pause.resume(name)
    except redis.RedisError as exc:
        abort(503, _("The job queue (Redis) is unavailable: %(error)s", error=exc))
    if changed:
        audit.record("jobs.queue_pause" if paused else "jobs.queue_resume", organization=None, actor=current_user,
                     target=name)
        db.session.commit()
        tracking.refresh_monitors([JobsTopic()])  # other operators' open /jobs pages show it
    flash(_("Queue %(name)s is paused: workers leave it alone, jobs still queue up.", name=name) if paused
          else _("Queue %(name)s is running.", name=name), "info")
    return redirect(url_for("job_monitor.queues"), 303)


@bp.post("/jobs/recurring/<name>/run")
@login_required
@starts_a_report(exempt_when=lambda: not runs_scheduled_reports((request.view_args or {}).get("name")))
def run_recurring(name: str):
    _operator_only()
    if name not in recurring.ENTRIES:
        abort(404, _("No recurring entry %(name)s.", name=repr(name[:40])))
    try:
        status = recurring.run_entry(name)
    except EnqueueError as exc:
        abort(503, str(exc))
    flash(_ran(name, status.rq_job_id[:8], status.status), "info")
    return redirect(url_for("job_monitor.recurring_page"), 303)


def _ran(name: str, job: str, status: str) -> str:
    """"cleanup: job 1a2b3c4d is pending." (a run now is queued, or coalesced with the one still waiting)."""
    words = {
        "pending": _("%(name)s: job %(job)s is pending.", name=name, job=job),
        "processing": _("%(name)s: job %(job)s is processing.", name=name, job=job),
        "completed": _("%(name)s: job %(job)s is completed.", name=name, job=job),
        "failed": _("%(name)s: job %(job)s is failed.", name=name, job=job),
        "canceled": _("%(name)s: job %(job)s is canceled.", name=name, job=job),
    }
    return words.get(str(status)) or f"{name}: job {job} is {status}."


@bp.post("/jobs/recurring/<name>/enable")
@login_required
def enable_recurring(name: str):
    return _switch_recurring(name, True)


@bp.post("/jobs/recurring/<name>/disable")
@login_required
def disable_recurring(name: str):
    return _switch_recurring(name, False)


def _switch_recurring(name: str, enabled: bool):
    _operator_only()
    if name not in recurring.ENTRIES:
        abort(404, _("No recurring entry %(name)s.", name=repr(name[:40])))
    audit.record("jobs.recurring_enable" if enabled else "jobs.recurring_disable", organization=None,
                 actor=current_user, target=name)
    recurring.set_enabled(name, enabled, actor_id=current_user.id)  # commits the audit entry with it
    tracking.refresh_monitors([JobsTopic()])
    flash(_("Recurring entry %(name)s is enabled (the scheduler follows within seconds).", name=name) if enabled
          else _("Recurring entry %(name)s is disabled (the scheduler follows within seconds).", name=name), "info")
    return redirect(url_for("job_monitor.recurring_page"), 303)
