"""A Report's life: create it and enqueue its job (create_report / build_report_later), run it in the job
(build_report: progress on the record, on the job's JobStatus and on the report's topic), cancel, retry,
run again, delete, and find its file.

Progress is committed and broadcast at most every generate.PROGRESS_INTERVAL seconds; the page at
/reports/<id> renders the same partial (templates/reports/_status.html) from the same snapshot().
"""
from __future__ import annotations

import logging
import re
import uuid
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from rq import get_current_job
from sqlalchemy import select

from app.background import eta, tracking
from app.background.enqueue import JobActionError, enqueue_for
from app.background.enqueue import cancel as cancel_job
from app.dashboards.charts import bars
from app.extensions import db
from app.i18n import speaking_to
from app.live.streams import broadcast_stream, refresh_stream, render_stream, streaming_context
from app.live.topics import ReportTopic
from app.models import JobState, JobStatus, Organization, Report, ReportDefinition, ReportState, User, utcnow
from app.models.report import ReportPhase
from app.reports import events
from app.reports import notices as report_notifications
from app.reports.files import delete_file, file_exists, remove_partial_files, reports_dir
from app.reports.generate import Canceled, generate
from app.reports.grouping import format_hours
from app.reports.params import FORMATS, GROUP_WORDS, LEVEL_TITLES, ReportParams, check, describe
from app.reports.screens import WEEKLY_BY, week_view
from app.timezones import to_local
from app.web.helpers import dom_id

log = logging.getLogger(__name__)

KIND = "report_generation"
# a report's state as a person reads it (the pages' badges, messages)
STATUS_WORDS = {"pending": _l("pending"), "running": _l("running"), "completed": _l("completed"),
                "failed": _l("failed"), "canceled": _l("canceled")}
# -- creating and enqueuing ----------------------------------------------------------------------------
def create_report(user: User, params: ReportParams) -> Report:
    """A pending Report for checked params (params.check), committed; then its job is enqueued."""
    report = Report(user_id=user.id, organization_id=params.organization_id, params=params.to_dict(),
                    format=params.format)
    report.restart()
    db.session.add(report)
    db.session.commit()
    build_report_later(report)
    return report


def build_report_later(report: Report) -> Report:
    """Enqueue the report's job (after the commit that created or reset the record)."""
    return enqueue_for(report, KIND, "the report")


def run_again(report: Report) -> Report:
    """A new report with the same parameters and fresh data (a preset range is resolved again today).
    ParamError when they no longer hold (a project moved to another organization since)."""
    params = ReportParams.from_dict(report.params)
    return create_report(report.user, check(_refreshed(params, report.user, report.organization)))


def run_definition(definition: ReportDefinition, user: User) -> Report:
    """A report from a saved definition: "last month" means the last month of today. ParamError as run_again."""
    params = ReportParams.from_dict(definition.params)
    organization = db.session.get(Organization, definition.organization_id)
    return create_report(user, check(_refreshed(params, user, organization)))


def _refreshed(params: ReportParams, user: User, organization: Organization) -> ReportParams:
    today = to_local(utcnow(), user.zone).date()
    params.time_zone = user.time_zone or "UTC"
    return params.resolved(today, organization.week_start or 0)


def save_definition(user: User, name: str, params: ReportParams) -> ReportDefinition:
    """Save params under a name; a preset range is kept as the preset, its dates dropped (resolved when run)."""
    data = params.to_dict()
    if params.range != "custom":
        data["date_from"] = data["date_to"] = None
    definition = ReportDefinition(user_id=user.id, organization_id=params.organization_id, name=name, params=data)
    db.session.add(definition)
    db.session.commit()
    return definition


# -- the job's work ------------------------------------------------------------------------------------
def build_report(report_id: int) -> str:
    report = db.session.get(Report, report_id)
    if report is None:
        return f"report {report_id} no longer exists"
    if report.status == ReportState.CANCELED:
        return f"report {report_id} was canceled"
    if report.status == ReportState.COMPLETED:
        return f"report {report_id} is already done"  # idempotent: a second run changes nothing
    report.start()
    _save(report)
    params = ReportParams.from_dict(report.params)
    base_name = f"report-{report.id}-{utcnow():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"  # never another's name

    def on_progress(phase: str, done: int, total: int) -> None:
        current = db.session.scalar(select(Report.status).where(Report.id == report_id))
        if current != ReportState.RUNNING:
            raise Canceled()
        report.phase, report.rows_done, report.rows_total = phase, done, total
        _save(report)
        if phase == "weekly":
            tracking.report_progress(95 + 2 * done // max(total, 1), f"weekly tables: {done:,} of {total:,} weeks")
            return
        percent = {"counting": 2, "finishing": 97}.get(phase, 5 + int(90 * done / total) if total else 5)
        tracking.report_progress(percent, f"{phase}: {done:,} of {total:,} rows")

    try:
        with speaking_to(report.user):  # the file, its summary and its pushed weeks: in its owner's language
            result = generate(params, report.user, report.organization, reports_dir(), base_name, report.as_of,
                              on_progress, title=_("Report %(id)s", id=report.id),
                              on_week=lambda first, tables: push_week(report_id, params, first, tables))
    except Canceled:
        db.session.rollback()
        return f"report {report_id} canceled while running"
    except Exception as exc:
        db.session.rollback()
        report = db.session.get(Report, report_id)
        if report is not None:
            report.fail(f"{type(exc).__name__}: {exc}")
            _save(report)
            job = get_current_job()
            report_notifications.report_finished(report, final=job is None or not job.retries_left)
        raise
    report = db.session.get(Report, report_id)
    if report is None or report.status != ReportState.RUNNING:  # canceled or deleted in the last instant
        delete_file(result.file_name)
        return f"report {report_id} canceled while running"
    report.complete(result.file_name, _download_name(report, result.file_name), result.rows, result.size,
                    result.summary, result.weekly)
    _save(report)
    report_notifications.report_finished(report)  # its owner, or a scheduled run's recipients (issue 13)
    events.ready(report)  # webhooks
    return f"report {report_id}: {result.rows:,} rows, {result.size:,} bytes ({result.file_name})"


def _download_name(report: Report, file_name: str) -> str:
    org = re.sub(r"[^A-Za-z0-9]+", "-", report.organization.name).strip("-").lower() or "organization"
    ext = file_name.rsplit(".", 1)[-1]
    return f"timeboard-{org}-{report.params['date_from']}-{report.params['date_to']}-{report.id}.{ext}"


def _save(report: Report) -> None:
    db.session.commit()
    push(report)


def push(report: Report) -> None:
    """Show the report's state on its page, in every tab that has it open. When it is over (done, failed,
    canceled) the pages also refresh themselves, each as its viewer: the owner's buttons change with it."""
    try:
        topic = ReportTopic(report.id)
        def status() -> str:  # rendered once per language the report's page is open in (its words and chart)
            with streaming_context():
                return render_stream("replace", dom_id(topic, "status"), "reports/_status.html", r=snapshot(report))
        broadcast_stream(topic, status)
        if report.status in (ReportState.COMPLETED, ReportState.FAILED, ReportState.CANCELED):
            broadcast_stream(topic, refresh_stream())
    except Exception:  # the page is a view of the record; never fail the report for it
        log.exception("could not broadcast report %s", report.id)


def push_week(report_id: int, params: ReportParams, first: date, tables: dict) -> None:
    """Append one week's tables (people, projects), just computed by the job, to the Weekly section of the report's
    open pages (templates/reports/show.html while it runs)."""
    try:
        topic = ReportTopic(report_id)
        def section() -> str:  # rendered once per language the report's page is open in
            with streaming_context():
                views = {by: week_view(params, first, by, tables[by]) for by in WEEKLY_BY}
                return render_stream("append", dom_id(topic, "weeks"), "reports/_week_section.html",
                                     report_id=report_id, views=views, weekly_by=WEEKLY_BY)
        broadcast_stream(topic, section)
    except Exception:  # the page is a view of the record; never fail the report for it
        log.exception("could not broadcast a week of report %s", report_id)


# -- what a page shows ----------------------------------------------------------------------------------
def snapshot(report: Report) -> dict:
    """Everything the status partial shows, as plain values (rendered in a job or a request alike)."""
    params = ReportParams.from_dict(report.params)
    summary = report.summary
    chart = None
    if summary and summary.get("levels"):
        top = sorted(summary["groups"], key=lambda g: -g["seconds"])[:12]
        level = summary["levels"][0]
        chart = bars(_("Hours by %(level)s", level=GROUP_WORDS.get(level, level)),
                     [(g["label"], g["seconds"] / 60) for g in top])
    return {
        "id": report.id, "status": report.status, "phase": report.phase, "rows_done": report.rows_done,
        "rows_total": report.rows_total, "percent": report.percent, "format": FORMATS.get(report.format, report.format),
        "error": report.error_message, "summary": summary, "chart": chart, "row_count": report.row_count,
        "byte_size": report.byte_size, "file_name": report.file_name, "has_file": file_exists(report),
        "table": summary_table(summary, params.hours_format) if summary else [],
        "level_titles": [str(LEVEL_TITLES.get(lvl, lvl.title())) for lvl in (summary or {}).get("levels", [])],
        "hours_format": params.hours_format, "description": describe(params), "active": report.is_active,
        "finished_at": report.finished_at, "eta": time_to_start(report),
    }


def time_to_start(report: Report) -> str | None:
    """"starts in about 2 min, 14 ahead" while the report waits in its queue (app/background/eta.py), else None."""
    if report.status != ReportState.PENDING or report.phase != ReportPhase.QUEUED or not report.rq_job_id:
        return None
    job = tracking.find(report.rq_job_id)
    return eta.words(job) if job is not None else None


def summary_table(summary: dict, style: str) -> list[dict]:
    """The summary as table rows for the page: groups (with subgroups and a subtotal), then the total."""
    rows = []

    def row(kind, label, sub, totals):
        rows.append({"kind": kind, "label": label, "sub": sub, "hours": format_hours(totals["seconds"], style),
                     "rows": totals["rows"], "amount": totals["amount"]})
    for group in summary["groups"]:
        children = group.get("children", [])
        for child in children:
            row("child", group["label"], child["label"], child)
        row("subtotal" if children else "group", group["label"], _("Subtotal") if children else "", group)
    row("total", _("Total"), "", summary["total"])
    return rows


def sync_with_job(report: Report) -> Report:
    """A report still pending or running whose job is over without it (canceled on /jobs, killed and then
    failed by reconciliation, timed out) takes the job's end, so that its page never waits forever: a failed
    one tells its owner, and what its dead attempt wrote is removed."""
    if not report.is_active or not report.rq_job_id:
        return report
    job = tracking.find(report.rq_job_id)
    if job is None or job.status not in ("canceled", "failed"):
        return report
    remove_partial_files(report)
    if job.status == "canceled":
        report.cancel()
        _save(report)
        return report
    report.fail(job.error_message or "The report's job failed.")  # stored, and technical: not translated
    _save(report)
    report_notifications.report_finished(report, final=True)
    return report


def follow_job(status: JobStatus) -> None:
    """The reconciler changed the report's job (the kind's follower, app/background/catalog.py): the report
    follows at once, without anyone opening its page. A job queued again after its worker died puts the
    report back in the queue, its dead attempt's files removed; a job that failed or was canceled ends it."""
    report = db.session.scalar(select(Report).where(Report.rq_job_id == status.rq_job_id))
    if report is None or not report.is_active:
        return
    if status.status == JobState.PENDING:
        remove_partial_files(report)
        report.requeue()
        _save(report)
    else:
        sync_with_job(report)


# -- actions --------------------------------------------------------------------------------------------
def cancel(report: Report) -> None:
    """Stop a pending or running report: a pending job is canceled in RQ, a running one stops at its next
    progress tick (within a quarter of a second of work) and removes its partial file."""
    if not report.is_active:
        raise JobActionError(_("Only a report still running can be canceled; this one is %(status)s.",
                                 status=STATUS_WORDS.get(report.status, report.status)))
    status = tracking.find(report.rq_job_id) if report.rq_job_id else None
    if status is not None and status.status == "pending":
        try:
            cancel_job(status)  # the report follows its job (follow_job): canceled, its page told
        except JobActionError:
            pass  # it has just started: the report's own status stops it
    if report.is_active:
        report.cancel()
        _save(report)


def retry(report: Report) -> Report:
    """The same report again (its dates as they were). ParamError when its parameters no longer hold (a report
    asked for before a rule was added: a date beyond 9998): run again from a new form then."""
    if report.status not in (ReportState.FAILED, ReportState.CANCELED):
        raise JobActionError(_("Only a failed or canceled report can be retried; this one is %(status)s.",
                                 status=STATUS_WORDS.get(report.status, report.status)))
    check(ReportParams.from_dict(report.params))
    delete_file(report.file_path)
    report.restart()
    db.session.commit()
    build_report_later(report)
    push(report)
    return report


def delete(report: Report) -> None:
    if report.is_active:
        cancel(report)
    delete_file(report.file_path)
    db.session.delete(report)
    db.session.commit()
