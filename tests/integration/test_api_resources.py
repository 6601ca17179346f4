"""Organizations, members, projects, clients and reports through /api/v1, with the pages' policies: what the pages
show each role, a foreign id 404, a write the pages refuse 403, the pages' form rules as 422 field errors."""
from __future__ import annotations

import time

from sqlalchemy import select

from app.models import Client, JobStatus, Project, Report


def ids(response) -> set[int]:
    return {item["id"] for item in response.get_json()["data"]}


def test_organizations_and_members(db, factory, api):
    w = factory.world()
    member = api(w.member)
    orgs = member.get("/organizations").get_json()["data"]
    assert [(o["id"], o["role"]) for o in orgs] == [(w.org.id, "member")]
    assert member.get(f"/organizations/{w.org.id}").get_json()["name"] == "Acme"
    assert member.get(f"/organizations/{w.other_org.id}").status_code == 404
    members = member.get(f"/organizations/{w.org.id}/members").get_json()["data"]
    people = {m["user"]["email"]: m["role"] for m in members}
    assert people == {"owner@acme.test": "owner", "admin@acme.test": "admin", "manager@acme.test": "manager",
                      "member@acme.test": "member", "beta@acme.test": "member"}
    assert member.get(f"/organizations/{w.other_org.id}/members").status_code == 404
    assert ids(api(w.sysadmin).get("/organizations")) == {w.org.id, w.other_org.id}


def test_projects_follow_the_project_scope(db, factory, api):
    w = factory.world()
    assert ids(api(w.member).get("/projects")) == {w.alpha_project.id, w.org_project.id}
    assert ids(api(w.owner).get("/projects")) == {w.alpha_project.id, w.beta_project.id, w.org_project.id}
    assert api(w.member).get(f"/projects/{w.beta_project.id}").status_code == 404
    assert api(w.member).get(f"/projects/{w.other_project.id}").status_code == 404
    assert api(w.member).get("/projects?status=gone").status_code == 422


def test_project_create_and_update_where_the_pages_allow(db, factory, api):
    w = factory.world()
    assert api(w.member).post("/projects", json={"organization_id": w.org.id, "name": "X"}).status_code == 403
    owner = api(w.owner)
    response = owner.post("/projects", json={"organization_id": w.org.id, "name": "Launch", "client_id": w.client.id,
                                             "budget_hours": "120.5", "hourly_rate": 95})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["budget_hours"], body["hourly_rate"], body["billable"]) == ("120.50", "95.00", True)
    project = db.session.get(Project, body["id"])
    assert (project.name, project.client_id) == ("Launch", w.client.id)

    changed = owner.patch(f"/projects/{project.id}", json={"name": "Launch 2", "billable": False, "status": "archived"})
    assert changed.status_code == 200
    db.session.refresh(project)
    assert (project.name, project.billable, project.status, project.client_id) == ("Launch 2", False, "archived",
                                                                                 w.client.id)
    bad = owner.post("/projects", json={"organization_id": w.org.id, "name": "", "budget_hours": "lots",
                                        "client_id": 999999})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"name", "budget_hours", "client_id"}
    # a manager: only in a team they manage, and only their team's projects
    manager = api(w.manager)
    assert set(manager.post("/projects", json={"organization_id": w.org.id, "name": "Y"}).get_json()["errors"]) == {
        "team_id"}
    assert manager.post("/projects", json={"organization_id": w.org.id, "name": "Y",
                                           "team_id": w.alpha.id}).status_code == 201
    assert manager.patch(f"/projects/{w.org_project.id}", json={"name": "Z"}).status_code == 403


def test_a_projects_hourly_rate_through_the_api_is_its_project_level_rate_a_write_from_today(db, factory, api):
    from datetime import date
    from decimal import Decimal

    from app.models import FLOOR_DATE
    w = factory.world()
    owner = api(w.owner)
    created = owner.post("/projects", json={"organization_id": w.org.id, "name": "Launch", "hourly_rate": "95"})
    project_id = created.get_json()["id"]
    assert owner.patch(f"/projects/{project_id}", json={"hourly_rate": "120.5"}).get_json()["hourly_rate"] == "120.50"
    assert owner.patch(f"/projects/{project_id}", json={"name": "Launch 2"}).status_code == 200  # rate untouched
    project = db.session.get(Project, project_id)
    assert sorted((r.effective_from, r.amount, r.user_id, r.kind) for r in project.rates) == [
        (FLOOR_DATE, Decimal("95.00"), None, "billable"), (date.today(), Decimal("120.50"), None, "billable")]
    assert owner.get(f"/projects/{project_id}").get_json()["hourly_rate"] == "120.50"


def test_clients(db, factory, api):
    w = factory.world()
    assert api(w.member).get("/clients").status_code == 403
    assert api(w.member).get(f"/clients/{w.client.id}").status_code == 404
    manager = api(w.manager)
    assert ids(manager.get("/clients")) == {w.client.id}
    created = manager.post("/clients", json={"organization_id": w.org.id, "name": "Initech"})
    assert created.status_code == 201
    taken = manager.post("/clients", json={"organization_id": w.org.id, "name": "initech"})
    assert taken.status_code == 422 and "already has a client" in taken.get_json()["errors"]["name"]
    client_id = created.get_json()["id"]
    assert manager.patch(f"/clients/{client_id}", json={"archived": True}).get_json()["archived"] is True
    assert db.session.get(Client, client_id).archived is True
    assert api(w.outsider).patch(f"/clients/{client_id}", json={"name": "Mine"}).status_code == 404


def test_a_report_is_a_job_then_a_file(db, factory, api, run_jobs):
    w = factory.world()
    mine, theirs = w.member_log.description, w.beta_log.description
    client, stranger, owner = api(w.member), api(w.beta_member), api(w.owner)  # jobs below end the test's session
    bad = client.post("/reports", json={"organization_id": w.other_org.id, "format": "doc"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"organization_id"}
    bad = client.post("/reports", json={"organization_id": w.org.id, "format": "doc", "groups": ["colour"]})
    assert set(bad.get_json()["errors"]) == {"format", "groups"}

    asked = client.post("/reports", json={"organization_id": w.org.id, "range": "this_month", "format": "csv"})
    assert asked.status_code == 202
    report_id = asked.get_json()["id"]
    assert asked.headers["Location"].endswith(f"/api/v1/reports/{report_id}")
    assert db.session.scalar(select(JobStatus.kind).where(JobStatus.rq_job_id == db.session.get(
        Report, report_id).rq_job_id)) == "report_generation"
    assert client.get(f"/reports/{report_id}/file").status_code == 409  # not built yet
    run_jobs(["reports"])
    deadline = time.time() + 10
    while (status := client.get(f"/reports/{report_id}").get_json())["status"] != "completed":
        assert time.time() < deadline, status
        time.sleep(0.2)
    assert status["file_url"].endswith(f"/api/v1/reports/{report_id}/file")
    download = client.get(f"/reports/{report_id}/file")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert mine in download.get_data(as_text=True)
    assert theirs not in download.get_data(as_text=True)  # the member's scope only
    assert stranger.get(f"/reports/{report_id}").status_code == 404
    assert owner.get(f"/reports/{report_id}").status_code == 200  # the organization's owner


def test_reports_asked_through_the_api_count_into_the_users_report_limit(app, db, factory, api):
    """REPORTS_RATE_LIMIT is per user however a report is started: API requests use the pages' counter."""
    from tests.conftest import login

    w = factory.world()
    app.config["REPORTS_RATE_LIMIT"] = "2 per minute"
    try:
        client = api(w.member)
        body = {"organization_id": w.org.id, "range": "this_month"}
        assert [client.post("/reports", json=body).status_code for _ in range(2)] == [202, 202]
        refused = client.post("/reports", json=body)
        assert refused.status_code == 429 and "Too many reports started" in refused.get_json()["detail"]
        assert "Retry-After" in refused.headers
        login(client.client, w.member)  # the page counts into the same limit: refused there too
        page = client.client.post("/reports", data={"organization_id": w.org.id, "range": "this_month",
                                                     "format": "csv", "billable": "all", "rounding": "none",
                                                     "rounding_minutes": "15", "hours_format": "hmm"})
        assert page.status_code == 303
        assert db.session.query(Report).count() == 2
    finally:
        app.config["REPORTS_RATE_LIMIT"] = "30 per minute"
