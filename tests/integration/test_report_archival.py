"""Report files with real files on disk: the weekly archival compresses those older than 30 days (the
download still gives the original file under its name), cleanup deletes expired reports and their files,
both counted by `flask cleanup --dry-run`; time data is never touched."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.background.enqueue import enqueue
from app.models import JobStatus, Report, TimeLog, utcnow
from app.reports import files, runs
from app.reports.params import ReportParams, check
from tests import report_data
from tests.conftest import login


def _report(db, w, fmt="csv") -> Report:
    params = check(ReportParams(organization_id=w.org.id, range="custom", date_from=w.first.isoformat(),
                                date_to=w.last.isoformat(), format=fmt, time_zone=report_data.ZONE))
    report = Report(user_id=w.owner.id, organization_id=w.org.id, params=params.to_dict(), format=fmt)
    report.restart()
    db.session.add(report)
    db.session.commit()
    runs.build_report(report.id)  # in-process: the same service the job calls
    db.session.refresh(report)
    assert report.status == "completed"
    return report


def _age(db, report: Report, finished_days: int, expires_days: int) -> None:
    report.finished_at = utcnow() - timedelta(days=finished_days)
    report.expires_at = utcnow() + timedelta(days=expires_days)
    db.session.commit()


def test_archival_and_expiry_with_real_files(app, db, factory, client, run_jobs):
    w = report_data.build(factory, db)
    old, young, expired = _report(db, w, "xlsx"), _report(db, w), _report(db, w, "pdf")
    _age(db, old, 31, 59)
    _age(db, young, 5, 85)
    _age(db, expired, 91, -1)
    old_bytes = files.file_path(old).read_bytes()
    old_name, expired_path = old.file_name, files.file_path(expired)
    old_id, young_id, expired_id = old.id, young.id, expired.id
    logs = db.session.scalar(select(func.count()).select_from(TimeLog))

    dry = app.test_cli_runner().invoke(args=["cleanup", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "reports: would delete 1" in dry.output and "report_archival: would compress 2" in dry.output
    assert files.file_path(old).is_file() and expired_path.is_file()  # a dry run changes nothing

    status_id = enqueue("report_archival").id
    with app.app_context():  # the job's session ends in its own context, not the test's
        run_jobs(["maintenance"])
    db.session.expire_all()
    old, young = db.session.get(Report, old_id), db.session.get(Report, young_id)
    assert old.archived and old.file_path.endswith(".xlsx.gz") and files.file_path(old).is_file()
    assert not young.archived and files.file_path(young).suffix == ".csv"
    assert db.session.get(JobStatus, status_id).result_summary == "compressed 2 report files"
    assert files.file_path(old).stat().st_size < len(old_bytes)

    login(client, w.owner)
    response = client.get(f"/reports/{old.id}/download")
    assert response.status_code == 200 and response.data == old_bytes
    assert old_name in response.headers["Content-Disposition"]

    result = app.test_cli_runner().invoke(args=["cleanup"])
    assert result.exit_code == 0 and "reports: deleted 1" in result.output
    db.session.expire_all()
    assert db.session.get(Report, expired_id) is None
    assert not list(expired_path.parent.glob(expired_path.name + "*"))  # its (compressed) file went with it
    assert db.session.get(Report, old.id) is not None and files.file_path(old).is_file()
    assert db.session.scalar(select(func.count()).select_from(TimeLog)) == logs


def test_a_report_canceled_while_it_runs_stops_and_leaves_no_file(app, db, factory, monkeypatch):
    """The web cancels (its own connection) while the job writes: the next progress tick stops the job,
    which removes its partial file; the record stays canceled."""
    from sqlalchemy import update

    from app.reports import generate as generate_module

    w = report_data.build(factory, db)
    params = check(ReportParams(organization_id=w.org.id, range="custom", date_from=w.first.isoformat(),
                                date_to=w.last.isoformat(), format="xlsx", time_zone=report_data.ZONE))
    report = Report(user_id=w.owner.id, organization_id=w.org.id, params=params.to_dict(), format="xlsx")
    report.restart()
    db.session.add(report)
    db.session.commit()
    report_id = report.id
    monkeypatch.setattr(generate_module, "PROGRESS_INTERVAL", 0)  # a tick after every row
    phases = []

    def web_cancels(percent, message=None):
        phases.append(message)
        if message.startswith("writing") and len(phases) == 3:
            with db.engine.begin() as conn:  # as the cancel view would, from another connection
                conn.execute(update(Report).where(Report.id == report_id).values(status="canceled"))
    monkeypatch.setattr(runs.tracking, "report_progress", web_cancels)
    before = set(runs.reports_dir().glob("*")) if runs.reports_dir().exists() else set()
    assert runs.build_report(report_id) == f"report {report_id} canceled while running"
    db.session.expire_all()
    report = db.session.get(Report, report_id)
    assert report.status == "canceled" and report.file_path is None and report.rows_done < 9
    assert set(runs.reports_dir().glob("*")) == before
