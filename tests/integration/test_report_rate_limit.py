"""Issue 17: one report rate limit (REPORTS_RATE_LIMIT, 30 a minute per user) counts every way a person starts a
report: asking for one, retrying one, running one again, running a saved report, retrying a report's job on /jobs,
and (system admins) running the round that starts the scheduled reports. Each route used to count on its own (four
routes: about 120 a minute). The 31st start within the minute, whichever way, is refused before anything is created
or enqueued: the person is sent back where they were, with a message saying why."""
from __future__ import annotations

import pytest
from rq import Queue
from sqlalchemy import func, select

from app.models import JobState, JobStatus, Report, ReportState
from app.reports import runs
from app.reports.params import ReportParams
from tests import report_data
from tests.conftest import login
from tests.jobrows import job_rows

FORM = {"range": "last_month", "group1": "project", "group2": "", "billable": "all", "rounding": "none",
        "rounding_minutes": "15", "hours_format": "hmm", "format": "csv"}
REFUSED = "Too many reports started at once"


def _params(w) -> ReportParams:
    return ReportParams(organization_id=w.org.id, range="last_month", groups=["project"], format="csv",
                        time_zone=report_data.ZONE).resolved(w.first, 0)


def _failed_report(db, w) -> Report:
    report = Report(user_id=w.owner.id, organization_id=w.org.id, params=_params(w).to_dict(), format="csv")
    report.restart()
    report.fail("boom")
    db.session.add(report)
    db.session.commit()
    return report


def _state(db, redis_conn) -> tuple:
    return (db.session.scalar(select(func.count()).select_from(Report)),
            db.session.scalar(select(func.count()).select_from(JobStatus)),
            Queue("reports", connection=redis_conn).count,
            sorted(db.session.scalars(select(Report.status).where(Report.status == ReportState.FAILED))))


def test_the_31st_start_in_any_mix_is_refused_and_enqueues_nothing(app, db, factory, client, redis_conn):
    assert app.config["REPORTS_RATE_LIMIT"] == "30 per minute"
    w = report_data.build(factory, db)
    first = runs.create_report(w.owner, _params(w))
    definition = runs.save_definition(w.owner, "Monthly", _params(w))
    failed = [_failed_report(db, w) for _ in range(8)]
    (failed_job, spare_job) = job_rows(db, 2, kind="report_generation", status=JobState.FAILED, rq=redis_conn,
                                       user_id=w.owner.id, organization_id=w.org.id, args=(failed[0].id,))
    login(client, w.owner)

    starts = ([("/reports", {**FORM, "organization_id": str(w.org.id)})] * 8
              + [(f"/reports/{r.id}/retry", {}) for r in failed[:7]]
              + [(f"/reports/{first.id}/run-again", {})] * 7
              + [(f"/reports/definitions/{definition.id}/run", {})] * 7
              + [(f"/jobs/{failed_job}/retry", {})])
    assert len(starts) == 30
    answers = [client.post(url, data=form) for url, form in starts]
    assert [(a.status_code, a.headers["Location"].split("/")[1]) for a in answers] == [(303, "reports")] * 29 + [
        (303, "jobs")]
    assert not any(REFUSED in client.get(a.headers["Location"]).get_data(as_text=True) for a in answers[-3:])

    before = _state(db, redis_conn)
    assert before[2] == 1 + 29 + 1  # the first report, 29 starts through the pages, the job retried on /jobs
    for url, form, back in ((f"/reports/{failed[7].id}/retry", {}, f"/reports/{failed[7].id}"),
                            ("/reports", {**FORM, "organization_id": str(w.org.id)}, "/reports"),
                            (f"/reports/{first.id}/run-again", {}, f"/reports/{first.id}"),
                            (f"/reports/definitions/{definition.id}/run", {}, "/reports"),
                            (f"/jobs/{spare_job}/retry", {"next": f"/jobs/{spare_job}"}, f"/jobs/{spare_job}")):
        response = client.post(url, data=form, headers={"Referer": f"http://localhost{back}"})
        assert (response.status_code, response.headers["Location"]) == (303, back), url
        page = client.get(back).get_data(as_text=True)
        assert REFUSED in page and "at most 30 per minute" in page, url
    db.session.expire_all()
    assert _state(db, redis_conn) == before, "a refused start created or enqueued something"
    assert db.session.get(Report, failed[7].id).status == ReportState.FAILED
    assert db.session.scalar(select(JobStatus.status).where(JobStatus.rq_job_id == spare_job)) == JobState.FAILED

    # per person: someone else of the organization still asks for theirs
    client.post("/logout")
    login(client, w.manager)
    response = client.post("/reports", data={**FORM, "organization_id": str(w.org.id)})
    assert response.status_code == 303 and response.headers["Location"].startswith("/reports/")


def test_retrying_other_jobs_on_jobs_is_not_a_report_start(app, db, factory, client, redis_conn, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_RATE_LIMIT", "1 per minute")
    w = report_data.build(factory, db)
    echoes = job_rows(db, 3, kind="echo", status=JobState.FAILED, rq=redis_conn, user_id=w.owner.id)
    login(client, w.owner)
    assert client.post("/reports", data={**FORM, "organization_id": str(w.org.id)}).status_code == 303
    for job_id in echoes:  # over the report limit, and still retried
        assert client.post(f"/jobs/{job_id}/retry").status_code == 303
        assert db.session.scalar(select(JobStatus.status).where(JobStatus.rq_job_id == job_id)) == JobState.PENDING


@pytest.mark.parametrize("entry", ["notification_digests"])
def test_a_system_admin_running_the_scheduled_reports_round_counts_too(app, db, factory, client, redis_conn,
                                                                      monkeypatch, entry):
    monkeypatch.setitem(app.config, "REPORTS_RATE_LIMIT", "2 per minute")
    w = report_data.build(factory, db)
    login(client, w.sysadmin)
    for _ in range(3):  # another recurring entry is no report start
        assert client.post("/jobs/recurring/cleanup/run").status_code == 303
    assert client.post("/reports", data={**FORM, "organization_id": str(w.org.id)}).status_code == 303
    assert client.post(f"/jobs/recurring/{entry}/run").status_code == 303
    runs_before = db.session.scalar(select(func.count()).select_from(JobStatus).where(JobStatus.kind == entry))
    response = client.post(f"/jobs/recurring/{entry}/run")
    assert (response.status_code, response.headers["Location"]) == (303, "/jobs")
    assert REFUSED in client.get("/jobs").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(JobStatus).where(JobStatus.kind == entry)) == runs_before
    assert client.post("/jobs/recurring/cleanup/run").status_code == 303
