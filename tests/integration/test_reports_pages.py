"""Reports pages end to end in-process, with real RQ jobs (SimpleWorker): asking for a report, its page
and file, each action, each bad parameter (422, no record, no job), and who may see what (404s)."""
from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select

from app.live.topics import ReportTopic, can_receive
from app.models import JobStatus, Report, ReportDefinition, utcnow
from app.reports import files
from tests import report_data
from tests.conftest import login
from tests.integration.notify_helpers import Pushes

FORM = {"organization_id": None, "range": "last_month", "date_from": "", "date_to": "",
        "group1": "project", "group2": "", "billable": "all", "rounding": "none", "rounding_minutes": "15",
        "hours_format": "hmm", "format": "csv"}


def _form(w, **kw) -> dict:
    return {**FORM, "organization_id": str(w.org.id), **kw}


def _counts(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Report)),
            db.session.scalar(select(func.count()).select_from(JobStatus)))


@pytest.fixture()
def run_jobs(app, run_jobs):
    """The shared run_jobs, in an app context of its own: the job's session ends there, not the test's."""
    def run(*args, **kw):
        with app.app_context():
            return run_jobs(*args, **kw)
    return run


def _reload(db, report: Report) -> Report:
    """The report again: a job run in this process (run_jobs) ends the test's session, detaching it."""
    db.session.expire_all()
    return db.session.get(Report, inspect(report).identity[0])


def _ask(client, w, **kw) -> Report:
    response = client.post("/reports", data=_form(w, **kw))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    report_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    from app.extensions import db
    return db.session.get(Report, report_id)


def test_the_nav_leads_to_the_form(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.member)
    page = client.get("/reports").get_data(as_text=True)
    assert 'href="/reports"' in page and 'data-testid="report-form"' in page
    assert "Alpha site" in page and "Beta app" not in page  # the member's choices are the member's projects


def test_a_report_is_queued_then_built_by_the_job_and_downloaded(client, factory, db, run_jobs):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _ask(client, w, group2="user")
    assert report.status == "pending" and report.user_id == w.owner.id and report.format == "csv"
    job = db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == report.rq_job_id))
    assert job.kind == "report_generation" and job.queue == "reports" and job.user_id == w.owner.id
    assert client.get(f"/reports/{report.id}").status_code == 200
    run_jobs(["reports"])
    report = _reload(db, report)
    assert report.status == "completed", report.error_message
    assert report.row_count == 9 and report.byte_size > 0 and report.expires_at > utcnow() + timedelta(days=89)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert 'data-testid="report-summary"' in page and 'data-testid="report-chart"' in page
    assert "Alpha site" in page and "Subtotal" in page and "Time zone" not in page
    download = client.get(f"/reports/{report.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert report.file_name in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as zf:
        detail = next(n for n in zf.namelist() if not n.endswith("summary.csv"))
        rows = list(csv.DictReader(io.StringIO(zf.read(detail).decode())))
    assert len(rows) == 9
    listing = client.get("/reports").get_data(as_text=True)
    assert f"/reports/{report.id}/download" in listing and "by project and user" in listing


def test_an_xlsx_download_opens_with_openpyxl(client, factory, db, run_jobs):
    w = report_data.build(factory, db)
    login(client, w.manager)
    report = _ask(client, w, format="xlsx")
    run_jobs(["reports"])
    report = _reload(db, report)
    response = client.get(f"/reports/{report.id}/download")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.data))
    names = {r[4] for r in wb["Detail"].iter_rows(min_row=2, values_only=True)}
    assert names == {"Max Member", "Mona Manager", "Fred Former (former member)"}


# -- bad input ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("change, field_message", [
    (dict(range="custom", date_from="2026-11-30", date_to="2026-11-01"), "The end date is before the start date."),
    (dict(range="custom", date_from="2020-01-01", date_to="2026-11-01"), "A report covers at most 5 years."),
    (dict(range="custom", date_from="yesterday", date_to="2026-11-01"), "Give both dates as YYYY-MM-DD."),
    (dict(range="custom", date_from="2026-11-01"), "Give both dates of a custom range."),
    (dict(group1="planet"), "Group by at most two of"),
    (dict(group1="user", group2="user"), "Choose two different groupings."),
    (dict(format="docx"), "Choose CSV, XLSX or PDF."),
    (dict(rounding="sideways"), "Choose no rounding, up, down or nearest."),
    (dict(rounding_minutes="7"), "Round to 1, 5, 6, 10, 15 or 30 minutes."),
    (dict(rounding_minutes="abc"), "Round to 1, 5, 6, 10, 15 or 30 minutes."),
    (dict(billable="maybe"), "Choose billable only, non-billable only or both."),
    (dict(hours_format="roman"), "Choose h:mm or decimal hours."),
    (dict(range="next_century"), "Unknown date range"),
    (dict(organization_id="abc"), "Choose an organization."),
    (dict(organization_id=""), "Choose an organization."),
    (dict(project_ids="x1"), "Choose from the list"),
])
def test_each_bad_parameter_is_a_422_next_to_its_field_with_no_record_and_no_job(client, factory, db, change,
                                                                                  field_message):
    w = report_data.build(factory, db)
    login(client, w.owner)
    before = _counts(db)
    response = client.post("/reports", data=_form(w, **change))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_message in page and 'class="field field-error"' in page
    assert _counts(db) == before


@pytest.mark.parametrize("missing", ["organization_id", "range", "group1", "billable", "rounding", "rounding_minutes",
                                     "hours_format", "format"])
def test_a_missing_field_is_a_422_with_no_record(client, factory, db, missing):
    w = report_data.build(factory, db)
    login(client, w.owner)
    before = _counts(db)
    data = _form(w)
    del data[missing]
    response = client.post("/reports", data=data)
    assert response.status_code == 422 and "is required." in response.get_data(as_text=True)
    assert _counts(db) == before


@pytest.mark.parametrize("field", ["project_ids", "client_ids", "user_ids", "team_ids", "organization_id"])
def test_a_record_of_another_organization_is_a_422(client, factory, db, field):
    w = report_data.build(factory, db)
    other = {"project_ids": w.other_project.id, "client_ids": factory.client(w.other_org).id,
             "user_ids": w.outsider.id, "team_ids": factory.team(w.other_org).id, "organization_id": w.other_org.id}
    login(client, w.owner)
    before = _counts(db)
    response = client.post("/reports", data=_form(w, **{field: str(other[field])}))
    assert response.status_code == 422 and "error" in response.get_data(as_text=True)
    assert _counts(db) == before


# -- access ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("viewer, allowed", [
    ("member", True), ("owner", True), ("sysadmin", True), ("manager", False), ("beta_member", False),
    ("outsider", False),
])
def test_a_report_its_file_and_its_stream_are_for_its_owner_org_admins_and_system_admins(
        client, factory, db, run_jobs, viewer, allowed):
    w = report_data.build(factory, db)
    login(client, w.member)
    report = _ask(client, w)
    run_jobs(["reports"])
    client.post("/logout")
    user = getattr(w, viewer)
    login(client, user)
    for url in (f"/reports/{report.id}", f"/reports/{report.id}/download"):
        assert client.get(url).status_code == (200 if allowed else 404), url
    if allowed:  # the owner's buttons are for the owner
        page = client.get(f"/reports/{report.id}").get_data(as_text=True)
        assert (">Run again</button>" in page) is (viewer == "member")
        assert ('data-testid="save-definition"' in page) is (viewer == "member")
    assert can_receive(user, ReportTopic(report.id)) is allowed
    assert can_receive(user, f"report:{report.id}") is allowed
    assert not can_receive(user, "report:0") and not can_receive(user, f"report:0{report.id}")
    listed = f"/reports/{report.id}\"" in client.get("/reports").get_data(as_text=True)
    assert listed is (viewer == "member")  # /reports lists one's own
    if viewer in ("member", "sysadmin"):  # the owner acts on it (and a system admin may, as on anything)
        return
    for action in ("cancel", "retry", "run-again", "delete", "save"):
        assert client.post(f"/reports/{report.id}/{action}").status_code == (403 if allowed else 404), action


def test_an_unknown_or_malformed_report_id_is_a_404(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.sysadmin)
    for url in ("/reports/999999", "/reports/abc", "/reports/999999/download", "/reports/1%00"):
        assert client.get(url).status_code in (404, 400), url


# -- actions -----------------------------------------------------------------------------------------------
def test_cancel_a_pending_report_then_retry_it(client, factory, db, run_jobs):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _ask(client, w)
    assert client.post(f"/reports/{report.id}/cancel").status_code == 303
    report = _reload(db, report)
    job = db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == report.rq_job_id))
    assert report.status == "canceled" and job.status == "canceled"
    run_jobs(["reports"])
    report = _reload(db, report)
    assert report.status == "canceled" and report.file_path is None
    assert client.post(f"/reports/{report.id}/cancel").status_code == 409
    assert client.post(f"/reports/{report.id}/retry").status_code == 303
    run_jobs(["reports"])
    report = _reload(db, report)
    assert report.status == "completed"


def test_a_failed_report_shows_its_error_and_a_retry_button(client, factory, db, run_jobs, monkeypatch):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _ask(client, w)
    report.params = {**report.params, "time_zone": "Mars/Olympus"}  # a zone that no longer exists
    db.session.commit()
    run_jobs(["reports"])
    report = _reload(db, report)
    assert report.status == "failed" and "Mars/Olympus" in report.error_message
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert 'data-testid="report-error"' in page and ">Retry</button>" in page


def test_run_again_makes_a_new_report_and_delete_removes_record_and_file(client, factory, db, run_jobs):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _ask(client, w, format="pdf")
    run_jobs(["reports"])
    report = _reload(db, report)
    path = files.file_path(report)
    assert path.is_file()
    response = client.post(f"/reports/{report.id}/run-again")
    new_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    assert new_id != report.id and db.session.get(Report, new_id).params == report.params
    assert client.post(f"/reports/{report.id}/delete").status_code == 303
    assert db.session.get(Report, report.id) is None and not path.exists()


def test_save_as_keeps_a_relative_range_and_running_it_uses_the_new_dates(client, factory, db, run_jobs):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _ask(client, w, save_as="Monthly by project")
    definition = db.session.scalar(select(ReportDefinition))
    assert definition.name == "Monthly by project" and definition.params["range"] == "last_month"
    assert definition.params["date_from"] is None and report.params["date_from"] == w.first.isoformat()
    page = client.get("/reports").get_data(as_text=True)
    assert "Monthly by project" in page and "last month" in page
    response = client.post(f"/reports/definitions/{definition.id}/run")
    again = db.session.get(Report, int(response.headers["Location"].rsplit("/", 1)[-1]))
    assert again.params["range"] == "last_month" and again.params["date_from"] == report.params["date_from"]
    client.post("/logout")
    login(client, w.manager)
    assert client.post(f"/reports/definitions/{definition.id}/run").status_code == 404
    assert client.post(f"/reports/definitions/{definition.id}/delete").status_code == 404


def test_saving_a_finished_reports_parameters_from_its_page(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _ask(client, w)
    assert client.post(f"/reports/{report.id}/save", data={"name": "November"}).status_code == 303
    assert db.session.scalar(select(ReportDefinition.name)) == "November"
    client.post(f"/reports/{report.id}/save", data={"name": ""})
    assert db.session.scalar(select(func.count()).select_from(ReportDefinition)) == 1


def test_a_missing_file_says_file_missing_run_again(client, factory, db, run_jobs):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _ask(client, w)
    run_jobs(["reports"])
    report = _reload(db, report)
    files.file_path(report).unlink()
    response = client.get(f"/reports/{report.id}/download", follow_redirects=True)
    assert response.status_code == 200 and "missing" in response.get_data(as_text=True)
    assert "File missing, run again." in client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "file missing, run again" in client.get("/reports").get_data(as_text=True)


def test_asking_for_reports_is_rate_limited_per_user(app, client, factory, db, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_RATE_LIMIT", "2 per minute")
    w = report_data.build(factory, db)
    login(client, w.owner)
    answers = [client.post("/reports", data=_form(w)) for _ in range(3)]
    assert [a.status_code for a in answers] == [303, 303, 303]
    assert answers[2].headers["Location"] == "/reports"  # back to the form, with why (not to a new report)
    assert "Too many reports started at once" in client.get("/reports").get_data(as_text=True)
    assert _counts(db)[0] == 2


def test_every_report_post_needs_the_csrf_token(csrf_app, factory, db):
    from tests.integration.test_auth import _csrf_token

    w = report_data.build(factory, db)
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": w.owner.email, "password": "password", "csrf_token": token})
    assert client.post("/reports", data=_form(w)).status_code == 400
    assert _counts(db) == (0, 0)
    page = client.get("/reports").get_data(as_text=True)
    response = client.post("/reports", data={**_form(w), "csrf_token": _csrf_token(page)})
    assert response.status_code == 303
    report_id = response.headers["Location"].rsplit("/", 1)[-1]
    for action in ("cancel", "delete", "run-again", "save"):
        assert client.post(f"/reports/{report_id}/{action}").status_code == 400, action


def test_a_report_whose_job_was_canceled_on_the_job_monitor_or_failed_does_not_wait_forever(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.owner)
    canceled, failed = _ask(client, w), _ask(client, w)
    assert client.post(f"/jobs/{canceled.rq_job_id}/cancel").status_code == 303
    job = db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == failed.rq_job_id))
    job.fail("Work-horse terminated unexpectedly")
    db.session.commit()
    assert 'data-status="canceled"' in client.get(f"/reports/{canceled.id}").get_data(as_text=True)
    page = client.get(f"/reports/{failed.id}").get_data(as_text=True)
    assert 'data-status="failed"' in page and "Work-horse terminated unexpectedly" in page and ">Retry<" in page


def test_reports_canceled_on_the_job_monitor_one_or_in_bulk_end_at_once_on_their_open_pages(client, factory, db,
                                                                                             redis_conn, run_jobs):
    """Nobody opens the reports' pages: their jobs' followers end them, and the pages already open are told."""
    w = report_data.build(factory, db)
    login(client, w.owner)
    one, many = _ask(client, w), [_ask(client, w), _ask(client, w)]
    report_ids = [one.id] + [r.id for r in many]
    pushes = Pushes(redis_conn)
    try:
        assert client.post(f"/jobs/{one.rq_job_id}/cancel").status_code == 303
        response = client.post("/jobs/bulk", data={"action": "cancel", "kind": "report_generation",
                                                    "organization": str(w.org.id), "expected": "2"})
        assert response.status_code == 303, response.get_data(as_text=True)[:400]
        run_jobs(["maintenance"])
        db.session.expire_all()
        assert [db.session.get(Report, i).status for i in report_ids] == ["canceled"] * 3

        def told(report_id) -> bool:
            return any(str(ReportTopic(report_id)) in m["topics"] and 'data-status="canceled"' in m["stream"]
                       for m in pushes.messages)
        deadline = time.monotonic() + 5
        while not all(told(i) for i in report_ids) and time.monotonic() < deadline:
            pushes.collect(until="never-seen", timeout=0.2)
        assert [told(i) for i in report_ids] == [True] * 3
    finally:
        pushes.close()


def test_a_queued_reports_page_says_when_it_starts_and_reads_it_again_while_it_waits(client, factory, db,
                                                                                      redis_conn):
    from rq import Queue

    from tests.jobrows import job_rows

    w = report_data.build(factory, db)
    job_rows(db, 20, kind="report_generation", status="completed", age=timedelta(minutes=3))  # 2 a minute
    login(client, w.owner)
    first, _, mine = _ask(client, w), _ask(client, w), _ask(client, w)
    page = client.get(f"/reports/{mine.id}").get_data(as_text=True)
    assert 'data-testid="report-eta">starts in about 1 min, 2 ahead</turbo-frame>' in page
    assert f'data-reload-url-value="/reports/{mine.id}/eta"' in page

    Queue("reports", connection=redis_conn).remove(first.rq_job_id)  # taken by a worker
    answer = client.get(f"/reports/{mine.id}/eta").get_data(as_text=True)
    assert f'<turbo-frame id="report-{mine.id}-eta" data-testid="job-eta">starts in under a minute, 1 ahead<' in answer
    client.post("/logout")
    login(client, w.outsider)
    assert client.get(f"/reports/{mine.id}/eta").status_code == 404


def test_a_reports_owner_who_left_the_organization_no_longer_sees_it(client, factory, db):
    from app.models import Membership
    w = report_data.build(factory, db)
    login(client, w.member)
    report = _ask(client, w)
    assert client.get(f"/reports/{report.id}").status_code == 200
    db.session.delete(db.session.scalar(select(Membership).where(Membership.user_id == w.member.id)))
    db.session.commit()
    assert client.get(f"/reports/{report.id}").status_code == 404
    assert not can_receive(db.session.get(type(w.member), w.member.id), ReportTopic(report.id))
