"""Bulk actions from a search (/jobs/bulk): GET counts what the action would touch and asks to confirm; POST
records it in the audit trail and starts its maintenance job, whose page shows the progress live."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import policies
from app.background.enqueue import EnqueueError
from app.job_monitor import bulk_actions as bulk
from app.job_monitor import queries as monitor
from app.job_monitor.routes import bp
from app.job_monitor.wording import number
from app.web.form_filters import parse_id


def _parse():
    source = request.form if request.method == "POST" else request.args
    filters, errors = monitor.Filters.parse(source)
    if filters.organization is not None and not policies.can_bulk_jobs_of(current_user, filters.organization):
        abort(404, _("No such organization."))  # one the user is not in (or has left): its audit trail is not theirs
    if not policies.can_bulk_jobs(current_user):
        abort(403, _("Bulk actions are for system admins and organizations' owners and admins."))
    action = (source.get("action") or "").strip()
    if errors:
        abort(422, " ".join(errors))
    try:
        found = bulk.count(current_user, filters, action)
    except bulk.BulkError as exc:
        abort(422, str(exc))
    return action, filters, found


@bp.get("/jobs/bulk")
@login_required
def bulk_confirm():
    action, filters, found = _parse()
    return render_template("job_monitor/bulk_confirm.html", action=action, title=_title(action),
                           button=_button(action, found), state=bulk.ACTIONS[action][0], filters=filters, found=found)


@bp.post("/jobs/bulk")
@login_required
def bulk_start():
    action, filters, found = _parse()
    expected = parse_id(request.form.get("expected", ""))
    if expected is None:
        abort(422, _("Confirm the count first (open the bulk action from the job list)."))
    try:
        status = bulk.start(current_user, filters, action, expected)
    except bulk.BulkError as exc:
        abort(422, str(exc))
    except EnqueueError as exc:
        abort(503, str(exc))
    flash(_started(action, found), "info")
    return redirect(url_for("job_monitor.show", identifier=status.rq_job_id), 303)


def _title(action: str) -> str:
    return {"retry": _("Retry jobs"), "discard": _("Discard jobs"), "cancel": _("Cancel jobs"),
            "restore": _("Restore jobs")}[action]


def _button(action: str, found: int) -> str:
    count = number(found)
    if action == "retry":
        return ngettext("Retry %(count)s job", "Retry %(count)s jobs", found, count=count)
    if action == "discard":
        return ngettext("Discard %(count)s job", "Discard %(count)s jobs", found, count=count)
    if action == "restore":
        return ngettext("Restore %(count)s job", "Restore %(count)s jobs", found, count=count)
    return ngettext("Cancel %(count)s job", "Cancel %(count)s jobs", found, count=count)


def _started(action: str, found: int) -> str:
    """"Retry of 3 jobs started: progress below." ("Retry of 1 job started" for one.)"""
    count = number(found)
    if action == "retry":
        return ngettext("Retry of %(count)s job started: progress below.",
                        "Retry of %(count)s jobs started: progress below.", found, count=count)
    if action == "discard":
        return ngettext("Discard of %(count)s job started: progress below.",
                        "Discard of %(count)s jobs started: progress below.", found, count=count)
    if action == "restore":
        return ngettext("Restore of %(count)s job started: progress below.",
                        "Restore of %(count)s jobs started: progress below.", found, count=count)
    return ngettext("Cancel of %(count)s job started: progress below.",
                    "Cancel of %(count)s jobs started: progress below.", found, count=count)
