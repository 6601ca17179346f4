"""Report triggers: a report that is ready, or failed for good, tells its owner (a link to the report); a scheduled
run's report goes to the schedule's recipients instead, with the file attached up to 10 MB (linked beyond).
Called by the report job (app/reports/runs.py) once the report is over."""
from __future__ import annotations

import logging

from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.i18n import speaking_to
from app.models import Report, ReportState, User
from app.models.report_schedule import ReportSchedule, ReportScheduleRun
from app.notifications import attachments as attachments_by_kind
from app.notifications.notify import notify
from app.reports.files import MIME, file_path

log = logging.getLogger(__name__)

ATTACHMENT_LIMIT = 10 * 1024 * 1024


def report_finished(report: Report, final: bool = True) -> None:
    """The report completed, or failed (`final`: no retry left). Never raises: a report is not failed for it."""
    try:
        run = db.session.scalar(db.select(ReportScheduleRun).where(ReportScheduleRun.report_id == report.id))
        if run is not None:
            _scheduled(report, run, final)
        else:
            _owner(report, final)
    except Exception:
        db.session.rollback()
        log.exception("could not notify about report %s", report.id)


def _title(report: Report) -> str:
    return _("Report %(id)s (%(format)s, %(organization)s)", id=report.id, format=report.format.upper(),
             organization=report.organization.name)


def _rows(count: int | None) -> str:
    return ngettext("%(count)s row", "%(count)s rows", count or 0, count=f"{count or 0:,}")


# A notification's title and body are stored as they are written: each is written in its recipient's language.
def _owner(report: Report, final: bool) -> None:
    link = f"/reports/{report.id}"
    with speaking_to(report.user):
        if report.status == ReportState.COMPLETED:
            notify(report.user, "report_ready", f"report:{report.id}:ready",
                   _("%(report)s is ready", report=_title(report)),
                   _("%(rows)s. Download it from its page.", rows=_rows(report.row_count)), link=link)
        elif report.status == ReportState.FAILED and final:
            notify(report.user, "report_failed", f"report:{report.id}:failed",
                   _("%(report)s failed", report=_title(report)), report.error_message or _("It failed."), link=link)


def _scheduled(report: Report, run: ReportScheduleRun, final: bool) -> None:
    schedule = db.session.get(ReportSchedule, run.definition_id)
    if schedule is None:
        return
    definition = schedule.definition
    if report.status == ReportState.FAILED and final:
        with speaking_to(report.user):
            notify(report.user, "report_failed", f"report:{report.id}:failed",
                   _("Scheduled report %(name)s (%(period)s) failed", name=definition.name, period=run.period),
                   report.error_message or _("It failed."), link=f"/reports/{report.id}")
        return
    if report.status != ReportState.COMPLETED:
        return
    attach = (report.byte_size or 0) <= ATTACHMENT_LIMIT
    for user_id in schedule.recipient_ids or []:
        user = db.session.get(User, user_id)
        if user is None or user.membership_in(report.organization_id) is None:
            continue  # left the organization since: its data is not theirs to get any more
        with speaking_to(user):
            values = {"name": definition.name, "period": run.period, "rows": _rows(report.row_count)}
            body = (_("%(name)s for %(period)s: %(rows)s, attached.", **values) if attach else
                    _("%(name)s for %(period)s: %(rows)s, too large to attach (over 10 MB): download it from "
                      "Timeboard.", **values))
            notify(user, "scheduled_report", f"scheduled_report:{definition.id}:{run.period}",
                   f"{definition.name} ({run.period})", body, link=f"/reports/{report.id}",
                   data={"report_id": report.id, "attach": attach})


def register() -> None:
    """Scheduled reports' e-mails carry their file (create_app() calls this)."""
    attachments_by_kind.provide("scheduled_report", attachments)


def attachments(notification) -> list[tuple[str, bytes, str]]:
    """The report file of a scheduled report's e-mail, when small enough (the e-mail job asks for it)."""
    if notification.kind != "scheduled_report" or not notification.data.get("attach"):
        return []
    report = db.session.get(Report, notification.data.get("report_id"))
    path = file_path(report) if report is not None else None
    if path is None or not path.is_file() or path.stat().st_size > ATTACHMENT_LIMIT:
        return []
    ext = path.name.rsplit(".", 1)[-1]
    return [(report.file_name or path.name, path.read_bytes(), MIME.get(ext, "application/octet-stream"))]
