"""Issue 17: someone who has left an organization (or was removed) holds nothing there. Every page and action that
an organization reaches is a 404 for them, their own records in it included (time logs, reports and their files,
saved reports and their schedules, jobs), and nothing is changed, enqueued or written into its audit trail; the
forms where they could name it (a new project, client, entry or report) refuse it with a 422 (or 403). The walk
below goes over every such URL, as a removed admin (who could do the most) and as a removed member."""
from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.live.publisher import CHANNEL
from app.models import (
    Invitation,
    JobState,
    Notification,
    Report,
    ReportDefinition,
    Role,
    utcnow,
)
from app.models.report_schedule import ReportSchedule
from app.organizations.people import remove_member
from app.reports import runs
from app.reports.params import ReportParams
from tests.conftest import login
from tests.jobrows import job_rows


def _params(w) -> dict:
    return ReportParams(organization_id=w.org.id, range="custom", date_from="2026-11-01", date_to="2026-11-30",
                        groups=["project"], format="csv").to_dict()


def _world(factory, db, app, redis_conn, role: str):
    """Acme, where `w.gone` (an admin or a member) has time, reports, a saved and scheduled report, jobs and a
    notification, and a pending invitation of the organization; then `w.gone` is removed by the owner. The admin
    is also an owner of another organization (so bulk actions are open to them in general)."""
    w = factory.world()
    w.gone = w.admin if role == "admin" else w.member
    if role == "admin":
        w.other_org.add_member(w.admin, Role.OWNER)
        db.session.commit()
    w.project = w.alpha_project
    w.project.budget_hours = Decimal("100")
    w.log = factory.time_log(w.gone, w.org_project, description="Mine, before I left")
    w.running = factory.time_log(w.gone, w.org_project, start=utcnow() - timedelta(minutes=20), minutes=None,
                                 description="Still running when removed")
    w.report = Report(user_id=w.gone.id, organization_id=w.org.id, params=_params(w), format="csv")
    w.report.restart()
    w.failed_report = Report(user_id=w.gone.id, organization_id=w.org.id, params=_params(w), format="csv")
    w.failed_report.restart()
    db.session.add_all([w.report, w.failed_report])
    db.session.flush()
    reports_dir = Path(app.config["REPORTS_DIR"])
    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / f"walk-{w.report.id}.csv").write_text("date,user\n2026-11-02,Someone\n")
    w.report.complete(f"walk-{w.report.id}.csv", "walk.csv", 1, 30, {"levels": [], "groups": [], "total": {}})
    w.failed_report.fail("boom")
    db.session.commit()
    w.definition = runs.save_definition(w.gone, "Monthly hours", ReportParams.from_dict(_params(w)))
    db.session.add(ReportSchedule(definition_id=w.definition.id, frequency="monthly",
                                  recipient_ids=[w.gone.id, w.owner.id]))
    w.invitation = Invitation(organization_id=w.org.id, email="newcomer@acme.test", role="member", team_ids=[],
                              invited_by_id=w.owner.id)
    db.session.add(w.invitation)
    w.note = Notification(user_id=w.gone.id, kind="budget", dedup_key="budget:walk", title="Budget reached",
                          link=f"/projects/{w.project.id}/edit", in_app=True)
    db.session.add(w.note)
    db.session.commit()
    (w.failed_job,) = job_rows(db, 1, kind="report_generation", status=JobState.FAILED, rq=redis_conn,
                               user_id=w.gone.id, organization_id=w.org.id, args=(w.failed_report.id,))
    (w.pending_job,) = job_rows(db, 1, kind="report_generation", status=JobState.PENDING, rq=redis_conn,
                                user_id=w.gone.id, organization_id=w.org.id, args=(w.report.id,))
    w.membership = w.org.membership_of(w.gone.id)
    w.other_membership = w.org.membership_of(w.beta_member.id)
    remove_member(w.owner, w.org, w.membership)
    return w


def _org_urls(w) -> tuple[list[str], list[tuple[str, dict]]]:
    """(GET urls, POST (url, form)) of everything the organization reaches."""
    org, team, project, client = w.org.id, w.alpha.id, w.project.id, w.client.id
    gets = [
        f"/organizations/{org}", f"/organizations/{org}/settings", f"/organizations/{org}/audit",
        f"/organizations/{org}/invitations", f"/teams/{team}", f"/dashboard/org/{org}", f"/dashboard/team/{team}",
        f"/dashboard/sections?key=dashboard:org:{org}", f"/dashboard/sections?key=dashboard:team:{team}",
        f"/projects/{project}/edit", f"/clients/{client}/edit", f"/time-logs/{w.log.id}/edit",
        f"/time-logs/{w.running.id}/edit", f"/reports/{w.report.id}", f"/reports/{w.report.id}/download",
        f"/reports/{w.failed_report.id}", f"/reports/definitions/{w.definition.id}/schedule",
        f"/jobs/{w.failed_job}", f"/jobs/{w.pending_job}", f"/jobs/bulk?action=retry&organization={org}",
        f"/jobs/bulk?action=discard&organization={org}&status=failed",
    ]
    posts = [
        (f"/organizations/{org}/settings", {"name": "Taken over", "currency": "USD", "week_start": "6"}),
        (f"/organizations/{org}/delete", {"confirm_name": "Acme"}),
        (f"/organizations/{org}/members/{w.other_membership.id}/role", {"role": "admin"}),
        (f"/organizations/{org}/members/{w.other_membership.id}/remove", {}),
        (f"/organizations/{org}/members/{w.membership.id}/remove", {}),
        (f"/organizations/{org}/teams", {"name": "My team"}),
        (f"/organizations/{org}/invitations", {"email": "friend@elsewhere.test", "role": "admin"}),
        (f"/invitations/{w.invitation.id}/resend", {}),
        (f"/invitations/{w.invitation.id}/revoke", {}),
        (f"/teams/{team}/rename", {"name": "Renamed"}),
        (f"/teams/{team}/members", {"user_id": str(w.beta_member.id)}),
        (f"/teams/{team}/members/{w.manager.id}/remove", {}),
        (f"/teams/{team}/projects", {"project_id": str(w.beta_project.id)}),
        (f"/teams/{team}/delete", {}),
        (f"/projects/{project}/edit", {"organization_id": str(org), "name": "Renamed project", "billable": "y"}),
        (f"/projects/{project}/archive", {}), (f"/projects/{project}/unarchive", {}),
        (f"/clients/{client}/edit", {"organization_id": str(org), "name": "Renamed client"}),
        (f"/clients/{client}/archive", {}), (f"/clients/{client}/unarchive", {}),
        (f"/time-logs/{w.log.id}/edit", {"project_id": str(w.org_project.id), "description": "Rewritten",
                                         "day": "2026-11-02", "start": "09:00", "end": "17:00"}),
        (f"/time-logs/{w.log.id}/delete", {}), (f"/time-logs/{w.running.id}/delete", {}),
        ("/time-logs/timer/start", {"project_id": str(w.org_project.id), "description": "Back in"}),
        ("/dashboard/refresh", {"key": f"dashboard:org:{org}"}),
        ("/dashboard/refresh", {"key": f"dashboard:team:{team}"}),
        (f"/reports/{w.report.id}/run-again", {}), (f"/reports/{w.report.id}/save", {"name": "Kept"}),
        (f"/reports/{w.report.id}/delete", {}), (f"/reports/{w.failed_report.id}/retry", {}),
        (f"/reports/{w.failed_report.id}/cancel", {}),
        (f"/reports/definitions/{w.definition.id}/run", {}),
        (f"/reports/definitions/{w.definition.id}/schedule", {"frequency": "weekly", "recipients": [str(w.gone.id)]}),
        (f"/reports/definitions/{w.definition.id}/delete", {}),
        (f"/jobs/{w.failed_job}/retry", {}), (f"/jobs/{w.pending_job}/cancel", {}),
        ("/jobs/bulk", {"action": "retry", "organization": str(org), "expected": "1"}),
        ("/jobs/bulk", {"action": "discard", "organization": str(org), "status": "failed", "expected": "1"}),
        ("/jobs/bulk", {"action": "cancel", "organization": str(org), "expected": "1"}),
    ]
    return gets, posts


def _forms_naming_it(w) -> list[tuple[str, dict]]:
    """The person's own forms, where the organization (or one of its records) could be chosen."""
    return [
        ("/projects/new", {"organization_id": str(w.org.id), "name": "Sneaky project", "billable": "y"}),
        ("/clients/new", {"organization_id": str(w.org.id), "name": "Sneaky client"}),
        ("/time-logs/new", {"project_id": str(w.org_project.id), "day": "2026-11-03", "start": "09:00",
                            "end": "10:00", "description": "Sneaky entry"}),
        ("/reports", {"organization_id": str(w.org.id), "range": "last_month", "group1": "project", "group2": "",
                      "billable": "all", "rounding": "none", "rounding_minutes": "15", "hours_format": "hmm",
                      "format": "csv"}),
    ]


def _database(db) -> dict[str, list]:
    """Every row of every table, to compare before and after."""
    with db.engine.connect() as conn:
        return {table.name: sorted(map(repr, conn.execute(select(table)).all())) for table in db.metadata.sorted_tables}


def _queues(redis_conn) -> dict[str, int]:
    keys = sorted(k.decode() for k in redis_conn.keys("rq:queue:*")) + sorted(
        k.decode() for k in redis_conn.keys("rq:*:*") if k.decode().split(":")[1] in ("failed", "scheduled"))
    return {k: redis_conn.llen(k) if k.startswith("rq:queue:") else redis_conn.zcard(k) for k in keys}


@pytest.mark.parametrize("role", ["admin", "member"])
def test_a_removed_member_gets_404_everywhere_in_the_organization_and_changes_nothing(app, db, factory, client,
                                                                                      redis_conn, role):
    w = _world(factory, db, app, redis_conn, role)
    login(client, w.gone)
    gets, posts = _org_urls(w)
    before, queued = _database(db), _queues(redis_conn)

    answers = {url: client.get(url).status_code for url in gets}
    answers.update({f"POST {url} {sorted(form)}": client.post(url, data=form).status_code for url, form in posts})
    assert {k: v for k, v in answers.items() if v != 404} == {}
    refused = {url: client.post(url, data=form).status_code for url, form in _forms_naming_it(w)}
    # 422 with the field's message; a removed member who manages nothing anywhere is refused the project and client
    # forms themselves (403)
    assert refused == {"/projects/new": 422 if role == "admin" else 403, "/clients/new": 422 if role == "admin"
                       else 403, "/time-logs/new": 422, "/reports": 422}

    db.session.expire_all()
    after = _database(db)
    assert {t for t in before if before[t] != after[t]} == set(), "a removed member changed something"
    assert _queues(redis_conn) == queued, "a removed member enqueued or dropped a job"

    # what stays theirs: signed in, their other pages; the organization's records are simply not listed
    for url in ("/time-logs", "/reports", "/jobs", "/notifications", "/organizations", "/dashboard"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert "Mine, before I left" not in page and "Monthly hours" not in page, url
        assert f"/reports/{w.report.id}" not in page and w.failed_job not in page, url
    # a notification's link into the organization leads to a 404 like the rest
    opened = client.post(f"/notifications/{w.note.id}/open")
    assert opened.status_code == 303 and opened.headers["Location"] == f"/projects/{w.project.id}/edit"
    assert client.get(opened.headers["Location"]).status_code == 404


def test_before_removal_the_same_person_reached_those_pages(app, db, factory, client, redis_conn):
    """The walk's control: the pages it expects 404 from answer while the admin is a member (so a 404 after the
    removal is the removal's doing, not a wrong URL)."""
    w = factory.world()
    w.other_org.add_member(w.admin, Role.OWNER)
    log = factory.time_log(w.admin, w.org_project)
    definition = runs.save_definition(w.admin, "Monthly hours", ReportParams.from_dict(_params(w)))
    (failed,) = job_rows(db, 1, kind="report_generation", status=JobState.FAILED, rq=redis_conn,
                         user_id=w.admin.id, organization_id=w.org.id)
    login(client, w.admin)
    for url in (f"/organizations/{w.org.id}/audit", f"/time-logs/{log.id}/edit",
                f"/reports/definitions/{definition.id}/schedule", f"/jobs/{failed}",
                f"/jobs/bulk?action=retry&organization={w.org.id}"):
        assert client.get(url).status_code == 200, url


def test_a_former_member_back_in_the_organization_gets_their_records_back(app, db, factory, client, redis_conn):
    w = factory.world()
    log = factory.time_log(w.member, w.org_project, description="Mine, before I left")
    definition = runs.save_definition(w.member, "Monthly hours", ReportParams.from_dict(_params(w)))
    (failed,) = job_rows(db, 1, kind="report_generation", status=JobState.FAILED, rq=redis_conn,
                         user_id=w.member.id, organization_id=w.org.id)
    remove_member(w.owner, w.org, w.org.membership_of(w.member.id))
    login(client, w.member)
    urls = (f"/time-logs/{log.id}/edit", f"/reports/definitions/{definition.id}/schedule", f"/jobs/{failed}")
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    w.org.add_member(w.member, Role.MEMBER)
    db.session.commit()
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert db.session.get(ReportDefinition, definition.id) is not None
    assert db.session.scalar(select(ReportSchedule)) is None  # (none was made here)


def test_a_removed_members_job_monitor_is_not_sent_the_organizations_jobs(app, db, factory, client, redis_conn,
                                                                        watch):
    """Their own job of the organization changes (its owner retries it): the row goes to the organization's
    monitors, not to the removed member's open /jobs (jobs:user:<id>), which may no longer show it."""
    w = factory.world()
    (failed,) = job_rows(db, 1, kind="report_generation", status=JobState.FAILED, rq=redis_conn,
                         user_id=w.member.id, organization_id=w.org.id)
    (own,) = job_rows(db, 1, kind="echo", status=JobState.FAILED, rq=redis_conn, user_id=w.member.id)
    remove_member(w.owner, w.org, w.org.membership_of(w.member.id))
    watch(f"jobs:user:{w.member.id}", f"jobs:org:{w.org.id}")
    pubsub = redis_conn.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL)
    try:
        login(client, w.owner)
        assert client.post(f"/jobs/{failed}/retry").status_code == 303
        rows = _published_rows(pubsub, f'target="job-{failed}"')
        assert rows and all(f"jobs:org:{w.org.id}" in m["topics"] for m in rows)
        assert [m for m in rows if f"jobs:user:{w.member.id}" in m["topics"]] == []
        # a job of theirs outside the organization still reaches their monitor (control)
        client.post("/logout")
        login(client, w.member)
        assert client.post(f"/jobs/{own}/retry").status_code == 303
        rows = _published_rows(pubsub, f'target="job-{own}"')
        assert rows and all(f"jobs:user:{w.member.id}" in m["topics"] for m in rows)
    finally:
        pubsub.close()


def _published_rows(pubsub, target: str, timeout: float = 5) -> list[dict]:
    found, deadline = [], time.time() + timeout
    while time.time() < deadline and not found:
        message = pubsub.get_message(timeout=0.2)
        if message and message["type"] == "message":
            data = json.loads(message["data"])
            if target in data.get("stream", ""):
                found.append(data)
    return found
