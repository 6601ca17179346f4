"""Report triggers: a report that is ready (or failed for good) tells its owner once, with a link; a scheduled
definition runs at 08:00 in its owner's zone once per period and its recipients get the file attached by e-mail."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

from sqlalchemy import func, select

from app.models import Notification, Report, ReportDefinition
from app.models.report_schedule import ReportSchedule, ReportScheduleRun
from app.reports import runs
from app.reports.params import ReportParams, check
from tests import report_data
from tests.conftest import login
from tests.mailbox import empty_outbox, outbox


def _params(w, fmt="csv") -> ReportParams:
    return check(ReportParams(organization_id=w.org.id, range="custom", date_from=w.first.isoformat(),
                              date_to=w.last.isoformat(), groups=["project"], format=fmt,
                              time_zone=report_data.ZONE))


def test_a_finished_report_notifies_its_owner_once_with_a_link(app, db, factory, run_jobs):
    w = report_data.build(factory, db)
    owner_id = w.owner.id
    report = runs.create_report(w.owner, _params(w))
    report_id = report.id
    run_jobs(["reports", "notifications"])
    (note,) = db.session.scalars(select(Notification).where(Notification.user_id == owner_id)).all()
    assert note.kind == "report_ready" and note.link == f"/reports/{report_id}" and "is ready" in note.title
    assert note.dedup_key == f"report:{report_id}:ready"
    runs.build_report(report_id)  # the job again (a retry after the work was done): nothing new
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_a_failed_report_notifies_its_owner_once(app, db, factory, run_jobs, tmp_path):
    w = report_data.build(factory, db)
    owner_id = w.owner.id
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    saved = app.config["REPORTS_DIR"]
    app.config["REPORTS_DIR"] = str(blocker / "reports")  # the job cannot write its file
    try:
        report_id = runs.create_report(w.owner, _params(w)).id
        run_jobs(["reports", "notifications"])
        assert db.session.get(Report, report_id).status == "failed"
        runs.retry(db.session.get(Report, report_id))  # its Retry button: fails again, nobody is told twice
        run_jobs(["reports", "notifications"])
    finally:
        app.config["REPORTS_DIR"] = saved
    notes = db.session.scalars(select(Notification).where(Notification.user_id == owner_id)).all()
    assert [(n.kind, n.dedup_key, n.link) for n in notes] == [
        ("report_failed", f"report:{report_id}:failed", f"/reports/{report_id}")]


def test_a_scheduled_report_runs_once_per_period_and_reaches_its_recipients_with_the_file(
        app, client, db, factory, run_jobs):
    empty_outbox(app.config["OUTBOX_DIR"])
    w = report_data.build(factory, db)
    from app.reports.schedules import run_due

    definition = runs.save_definition(w.owner, "Monthly hours", _params(w))
    login(client, w.owner)
    page = client.get(f"/reports/definitions/{definition.id}/schedule")
    assert page.status_code == 200 and "Monthly hours" in page.get_data(as_text=True)
    assert client.post(f"/reports/definitions/{definition.id}/schedule",
                       data={"frequency": "monthly"}).status_code == 422  # nobody to send it to
    assert client.post(f"/reports/definitions/{definition.id}/schedule",
                       data={"frequency": "monthly", "recipients": [w.outsider.id]}).status_code == 422
    response = client.post(f"/reports/definitions/{definition.id}/schedule",
                           data={"frequency": "monthly", "recipients": [w.owner.id, w.manager.id]})
    assert response.status_code == 303
    assert db.session.get(ReportSchedule, definition.id).recipient_ids == sorted([w.owner.id, w.manager.id])
    client.post("/logout")
    login(client, w.manager)  # not theirs
    assert client.get(f"/reports/definitions/{definition.id}/schedule").status_code == 404

    definition_id, manager_email, owner_email = definition.id, w.manager.email, w.owner.email
    assert run_due(datetime(2026, 12, 1, 6, 0)) == 0  # 07:00 in Berlin
    assert run_due(datetime(2026, 12, 2, 7, 0)) == 0  # the 2nd: not its day
    assert run_due(datetime(2026, 12, 1, 7, 10)) == 1  # 08:10 in Berlin on the 1st
    assert run_due(datetime(2026, 12, 1, 7, 25)) == 0  # once per period
    (run,) = db.session.scalars(select(ReportScheduleRun)).all()
    assert run.period == "2026-11" and run.report_id is not None
    run_jobs(["reports", "notifications"])
    messages = {m["To"]: m for m in outbox(app.config["OUTBOX_DIR"])}
    assert set(messages) == {manager_email, owner_email}
    (attachment,) = list(messages[manager_email].iter_attachments())
    assert attachment.get_filename().endswith(".zip") and attachment.get_content_type() == "application/zip"
    with zipfile.ZipFile(io.BytesIO(attachment.get_content())) as archive:  # the report's CSV files, whole
        assert any("Alpha site" in archive.read(name).decode() for name in archive.namelist())
    notes = db.session.scalars(select(Notification).where(Notification.kind == "scheduled_report")).all()
    assert {n.dedup_key for n in notes} == {f"scheduled_report:{definition_id}:2026-11"} and len(notes) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "report_ready")) == 0  # the owner gets it as a recipient, not twice
    assert db.session.get(ReportDefinition, definition_id) is not None
    empty_outbox(app.config["OUTBOX_DIR"])


def test_a_scheduled_report_over_10_mb_is_linked_not_attached(app, db, factory):
    from app.reports.notices import attachments, report_finished

    w = report_data.build(factory, db)
    definition = runs.save_definition(w.owner, "Big", _params(w))
    db.session.add(ReportSchedule(definition_id=definition.id, frequency="weekly", recipient_ids=[w.manager.id]))
    report = Report(user_id=w.owner.id, organization_id=w.org.id, params=_params(w).to_dict(), format="csv")
    report.restart()
    db.session.add(report)
    db.session.flush()
    db.session.add(ReportScheduleRun(definition_id=definition.id, period="2026-W47", report_id=report.id))
    report.complete("big.csv", "big.csv", 1_000_000, 11 * 1024 * 1024, {})
    db.session.commit()
    report_finished(report)
    (note,) = db.session.scalars(select(Notification).where(Notification.user_id == w.manager.id)).all()
    assert "too large to attach" in note.body and note.link == f"/reports/{report.id}"
    assert note.data["attach"] is False and attachments(note) == []
