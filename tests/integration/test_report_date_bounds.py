"""Issue 17: a report over year 9999 failed in its job (OverflowError: the day after its last day, and its bounds
in UTC, are beyond what Python holds). Every way in now refuses a date outside 1900-01-01 to 9998-12-31 with the
message next to that date: the form (a 422), `flask reports generate` (exit code 1), a saved report run again and
an old report retried (a flash, nothing enqueued). The bounds themselves make a report in any time zone."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from rq import Queue
from sqlalchemy import func, select

from app.models import JobStatus, Report, ReportDefinition, ReportState
from app.reports.generate import generate
from app.reports.params import ReportParams, check
from tests import report_data
from tests.conftest import login

FORM = {"range": "custom", "group1": "project", "group2": "", "billable": "all", "rounding": "none",
        "rounding_minutes": "15", "hours_format": "hmm", "format": "csv"}
MESSAGE = "Give a date from 1900-01-01 to 9998-12-31."


def _field(page: str, name: str) -> str:
    """The HTML of one field of the form (its label, input and messages)."""
    found = re.search(r'<div class="field[^"]*">(?:(?!<div class="field).)*?id="' + name + r'".*?</div>', page,
                      re.DOTALL)
    assert found, name
    return found[0]


def _counts(db, redis_conn) -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(Report)),
            db.session.scalar(select(func.count()).select_from(JobStatus)),
            Queue("reports", connection=redis_conn).count)


@pytest.mark.parametrize("date_from, date_to, wrong", [
    ("9999-12-01", "9999-12-31", ["date_from", "date_to"]),
    ("9998-12-01", "9999-01-01", ["date_to"]),
    ("0001-01-01", "0001-01-31", ["date_from", "date_to"]),
    ("1899-12-31", "1900-01-31", ["date_from"]),
])
def test_the_form_answers_422_with_the_message_next_to_the_date(client, factory, db, redis_conn, date_from, date_to,
                                                               wrong):
    w = report_data.build(factory, db)
    login(client, w.owner)
    before = _counts(db, redis_conn)
    response = client.post("/reports", data={**FORM, "organization_id": str(w.org.id), "date_from": date_from,
                                             "date_to": date_to})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name in ("date_from", "date_to"):
        assert (MESSAGE in _field(page, name)) is (name in wrong), name
    assert _counts(db, redis_conn) == before


def test_the_date_pickers_say_the_bounds(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.owner)
    page = client.get("/reports").get_data(as_text=True)
    for name in ("date_from", "date_to"):
        assert 'min="1900-01-01"' in _field(page, name) and 'max="9998-12-31"' in _field(page, name)


def test_the_cli_exits_1_with_the_message(app, db, factory, tmp_path):
    w = report_data.build(factory, db)
    out = tmp_path / "far.csv"
    result = app.test_cli_runner().invoke(args=["reports", "generate", "--org", str(w.org.id), "--from", "9999-12-01",
                                                "--to", "9999-12-31", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"--from: {MESSAGE}" in result.output and f"--to: {MESSAGE}" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_saved_report_or_an_old_report_over_9999_is_refused_with_a_flash(client, factory, db, redis_conn):
    """Saved (or asked for) before the rule: running or retrying it says why, and queues nothing."""
    w = report_data.build(factory, db)
    far = ReportParams(organization_id=w.org.id, range="custom", date_from="9999-12-01", date_to="9999-12-31",
                       format="csv").to_dict()
    definition = ReportDefinition(user_id=w.owner.id, organization_id=w.org.id, name="Far future", params=far)
    report = Report(user_id=w.owner.id, organization_id=w.org.id, params=far, format="csv")
    report.restart()
    report.fail("OverflowError: date value out of range")
    db.session.add_all([definition, report])
    db.session.commit()
    login(client, w.owner)
    before = _counts(db, redis_conn)
    for url, back in ((f"/reports/definitions/{definition.id}/run", "/reports"),
                      (f"/reports/{report.id}/retry", f"/reports/{report.id}"),
                      (f"/reports/{report.id}/run-again", f"/reports/{report.id}")):
        response = client.post(url)
        assert (response.status_code, response.headers["Location"]) == (303, back), url
        assert MESSAGE in client.get(back).get_data(as_text=True), url
    db.session.expire_all()
    assert _counts(db, redis_conn) == before
    assert db.session.get(Report, report.id).status == ReportState.FAILED


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
def test_the_first_and_last_allowed_days_make_a_report_in_any_zone(db, factory, tmp_path, zone):
    w = report_data.build(factory, db)
    for first, last in (("1900-01-01", "1900-01-31"), ("9998-12-01", "9998-12-31")):
        params = check(ReportParams(organization_id=w.org.id, range="custom", date_from=first, date_to=last,
                                    groups=["week"], format="xlsx", time_zone=zone))
        result = generate(params, w.owner, w.org, tmp_path, f"r-{first}", datetime(2026, 12, 5))
        assert result.rows == 0 and (tmp_path / result.file_name).is_file()
