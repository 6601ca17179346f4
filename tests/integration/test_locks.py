"""Locked time (issue 21 B): an approved week and the organization's lock date refuse every path that writes time,
saying why: the entry form (inline), the list (flash), the timesheet cell, undo, the timer, the REST API (409
problem) and imports (each row, in the dry run). One guard: app/time_tracking/locks.py."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select

from app.models import AuditEntry, ImportState, Role, TimeLog, WeekApproval, utcnow
from tests.conftest import login

LOCKED = "Week 2026-W10 is approved and locked: an owner can unlock it."
STREAM = "text/vnd.turbo-stream.html"
DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


def _approve(db, person, org, first: date) -> None:
    db.session.add(WeekApproval(organization_id=org.id, user_id=person.id, week_start=first, status="approved",
                                decided_at=utcnow()))
    db.session.commit()


@pytest.fixture()
def w(factory, db):
    w = factory.world()
    w.locked_log = factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 9, 0), minutes=60,
                                    description="Billed work")
    w.open_log = factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 10, 9, 0), minutes=60,
                                  description="Open work")
    _approve(db, w.member, w.org, date(2026, 3, 2))  # 2026-W10
    w.db = db
    return w


def _entry(project, day: str, **overrides) -> dict:
    return {"project_id": project.id, "day": day, "start": "09:00", "end": "10:30", "duration": "",
            "description": "Wrote the report", "billable": "y", **overrides}


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(TimeLog))


def test_the_entry_form_and_the_list_refuse_locked_time_saying_why(client, w):
    login(client, w.member)
    before = _count(w.db)
    response = client.post("/time-logs/new", data=_entry(w.alpha_project, "2026-03-04"))  # adding inside
    assert response.status_code == 422 and LOCKED in response.get_data(as_text=True)
    response = client.post(f"/time-logs/{w.locked_log.id}/edit", data=_entry(w.alpha_project, "2026-03-03"))
    assert response.status_code == 422 and LOCKED in response.get_data(as_text=True)  # editing
    response = client.post(f"/time-logs/{w.locked_log.id}/edit", data=_entry(w.alpha_project, "2026-03-10"))
    assert response.status_code == 422 and LOCKED in response.get_data(as_text=True)  # moving out
    response = client.post(f"/time-logs/{w.open_log.id}/edit", data=_entry(w.alpha_project, "2026-03-05"))
    assert response.status_code == 422 and LOCKED in response.get_data(as_text=True)  # moving in
    response = client.post(f"/time-logs/{w.locked_log.id}/delete")  # deleting, from the list
    assert response.status_code == 303
    assert LOCKED in client.get(response.headers["Location"]).get_data(as_text=True)
    w.db.session.expire_all()
    assert _count(w.db) == before
    assert (w.locked_log.description, w.locked_log.start_time) == ("Billed work", datetime(2026, 3, 3, 9, 0))
    assert w.open_log.start_time == datetime(2026, 3, 10, 9, 0)
    # the week after is open: the same edits work there
    response = client.post(f"/time-logs/{w.open_log.id}/edit", data=_entry(w.alpha_project, "2026-03-11"))
    assert response.status_code == 303
    assert client.post("/time-logs/new", data=_entry(w.alpha_project, "2026-03-12")).status_code == 303


def test_the_timesheet_cell_says_why_it_is_locked(client, w):
    login(client, w.member)
    response = client.post("/timesheet/cell", data={"project_id": w.alpha_project.id, "day": "2026-03-03",
                                                    "hours": "3"}, headers={"Accept": STREAM})
    assert response.status_code == 422
    cell = response.get_data(as_text=True).split('target="ts-cell-')[1]
    assert 'data-testid="cell-error"' in cell and LOCKED in cell
    w.db.session.expire_all()
    assert w.locked_log.duration_minutes == 60
    response = client.post("/timesheet/cell", data={"project_id": w.alpha_project.id, "day": "2026-03-10",
                                                    "hours": "3"}, headers={"Accept": STREAM})
    assert response.status_code == 200


def _cell(page: str, project, day: str) -> str:
    """The rendered <td> of a timesheet cell."""
    return page.split(f'<td id="ts-cell-{project.id}-{day}"', 1)[1].split("</td>", 1)[0]


def test_the_timesheet_shows_locked_time_read_only_before_anyone_types(client, w, factory, db):
    factory.time_log(w.member, w.org_project, start=datetime(2026, 2, 24, 9, 0), minutes=30)  # a row to copy
    login(client, w.member)
    page = client.get("/timesheet?week=2026-W10").get_data(as_text=True)
    for day in ("2026-03-02", "2026-03-03", "2026-03-08"):  # the approved week: every day of it
        cell = _cell(page, w.alpha_project, day)
        assert "<input" not in cell and 'data-locked="approved"' in cell and f'title="{LOCKED}"' in cell
        assert 'data-testid="cell-locked"' in cell
    assert "1:00" in _cell(page, w.alpha_project, "2026-03-03")  # its time still shows
    header = page.split('data-testid="week-locked"', 1)[1].split("</ul>", 1)[0]
    assert LOCKED in header
    assert 'data-testid="add-row"' not in page  # nothing to write into: no row to add,
    assert 'data-testid="copy-last-week"' not in page  # nor last week's rows to copy
    assert 'data-testid="week-status">approved' in page

    w.org.lock_date = date(2026, 3, 12)  # Thursday of the week after: Monday to Wednesday locked
    db.session.commit()
    page = client.get("/timesheet?week=2026-W11").get_data(as_text=True)
    why = "Tue 10 Mar 2026 is locked: Acme changes nothing before 12 Mar 2026 (its lock date)."
    cell = _cell(page, w.alpha_project, "2026-03-10")
    assert "<input" not in cell and 'data-locked="lock_date"' in cell and f'title="{why}"' in cell
    for day in ("2026-03-12", "2026-03-15"):
        assert '<input class="ts-input"' in _cell(page, w.alpha_project, day)
    assert "3 days of this week are locked: Acme changes nothing before 12 Mar 2026 (its lock date)." in page
    assert 'data-testid="add-row"' in page  # the rest of the week is open
    assert client.get("/timesheet?week=2026-W12").get_data(as_text=True).count('data-testid="cell-locked"') == 0
    assert _cell_refused(client, w, "2026-03-10") == why  # and the server still refuses the write


def _cell_refused(client, w, day: str) -> str:
    response = client.post("/timesheet/cell", data={"project_id": w.alpha_project.id, "day": day, "hours": "3"},
                           headers={"Accept": STREAM})
    assert response.status_code == 422
    return response.get_data(as_text=True).split('data-testid="cell-error">', 1)[1].split("<", 1)[0]


def test_undo_does_not_restore_an_entry_into_a_week_locked_since(client, w):
    from app.time_tracking import entries, undo

    token = undo.remember(entries.delete_entry(w.open_log), w.member)
    _approve(w.db, w.member, w.org, date(2026, 3, 9))  # 2026-W11, approved after the deletion
    login(client, w.member)
    response = client.post("/time-logs/undo", data={"token": token})
    assert response.status_code == 409
    assert "Week 2026-W11 is approved and locked" in response.get_data(as_text=True)
    assert w.db.session.scalar(select(TimeLog).where(TimeLog.description == "Open work")) is None


def test_a_timer_in_a_locked_day_neither_stops_nor_starts(client, w, db):
    w.org.lock_date = utcnow().date() + timedelta(days=2)
    db.session.commit()
    running = w.member_log
    running.end_time = running.duration_minutes = None
    db.session.commit()
    login(client, w.member)
    response = client.post("/time-logs/timer/stop")
    assert response.status_code == 409
    assert f"changes nothing before {w.org.lock_date:%d %b %Y} (its lock date)" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TimeLog, running.id).end_time is None  # still running, not stopped
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id})
    assert response.status_code == 422 and "(its lock date)" in response.get_data(as_text=True)
    w.org.lock_date = None
    db.session.commit()
    assert client.post("/time-logs/timer/stop").status_code == 303


def test_the_api_timer_answers_a_409_problem_naming_the_lock_to_start_and_to_stop(api, w, db):
    w.org.lock_date = utcnow().date() + timedelta(days=2)  # today is locked
    running = w.member_log
    running.end_time = running.duration_minutes = None
    db.session.commit()
    running_id, before = running.id, db.session.scalar(select(func.count()).select_from(TimeLog))
    why = f"is locked: Acme changes nothing before {w.org.lock_date:%d %b %Y} (its lock date)."
    member = api(w.member)
    for response in (member.post("/timer/stop"),
                     member.post("/timer/start", json={"project_id": w.alpha_project.id, "description": "Go"})):
        assert response.status_code == 409, response.get_json()
        assert response.mimetype == "application/problem+json" and response.get_json()["detail"].endswith(why)
    db.session.expire_all()
    assert db.session.get(TimeLog, running_id).end_time is None  # still running, not stopped by either
    assert db.session.scalar(select(func.count()).select_from(TimeLog)) == before  # and nothing started
    db.session.get(TimeLog, running_id).stop()
    db.session.commit()
    response = member.post("/timer/start", json={"project_id": w.alpha_project.id})
    assert response.status_code == 409 and response.get_json()["detail"].endswith(why)  # no timer to stop first
    w.org.lock_date = None
    db.session.commit()
    assert member.post("/timer/start", json={"project_id": w.alpha_project.id}).status_code == 201
    assert member.post("/timer/stop").status_code == 200


def test_the_api_answers_a_409_problem_naming_the_lock(api, w):
    member = api(w.member)
    body = {"project_id": w.alpha_project.id, "start": "2026-03-04T09:00:00Z", "end": "2026-03-04T10:00:00Z",
            "description": "From the API"}
    for response in (member.post("/time-entries", json=body),
                     member.patch(f"/time-entries/{w.locked_log.id}", json={"description": "changed"}),
                     member.patch(f"/time-entries/{w.open_log.id}", json={"start": "2026-03-05T09:00:00Z",
                                                                          "end": "2026-03-05T10:00:00Z"}),
                     member.delete(f"/time-entries/{w.locked_log.id}")):
        assert response.status_code == 409, response.get_json()
        assert response.mimetype == "application/problem+json" and response.get_json()["detail"] == LOCKED
    w.db.session.expire_all()
    assert w.locked_log.description == "Billed work" and w.open_log.start_time == datetime(2026, 3, 10, 9, 0)
    response = member.post("/time-entries", json={**body, "start": "2026-03-11T09:00:00Z",
                                                  "end": "2026-03-11T10:00:00Z"})
    assert response.status_code == 201


def test_an_owner_sets_the_lock_date_and_nothing_before_it_changes(client, w, db):
    settings = {"name": "Acme", "currency": "EUR", "week_start": "0", "time_zone": "UTC"}
    login(client, w.admin)  # the organization's settings are the owners'
    assert client.post(f"/organizations/{w.org.id}/settings", data={**settings, "lock_date": "2026-03-16"}
                       ).status_code == 403
    client.post("/logout")
    login(client, w.owner)
    response = client.post(f"/organizations/{w.org.id}/settings", data={**settings, "lock_date": "1999-01-01"})
    assert response.status_code == 422 and "Give a date between 2000-01-01" in response.get_data(as_text=True)
    response = client.post(f"/organizations/{w.org.id}/settings", data={**settings, "lock_date": "2026-03-16"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2026-03-16"' in page
    db.session.expire_all()
    assert w.org.lock_date == date(2026, 3, 16)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.update"))
    assert audit.details["lock_date"] == [None, "2026-03-16"]
    client.post("/logout")

    login(client, w.beta_member)  # no approved week: the lock date alone refuses
    response = client.post("/time-logs/new", data=_entry(w.beta_project, "2026-03-13"))
    assert response.status_code == 422
    assert "Fri 13 Mar 2026 is locked: Acme changes nothing before 16 Mar 2026 (its lock date)." in \
        response.get_data(as_text=True)
    assert client.post("/time-logs/new", data=_entry(w.beta_project, "2026-03-16")).status_code == 303


@pytest.fixture()
def toggl(factory, db):
    """An organization with the people of tests/data/imports/toggl.csv (Ada's rows are in her 2026-W45)."""
    w = factory.world()
    w.ada = factory.user(w.org, Role.MEMBER, email="ada@example.com", name="Ada Lovelace")
    factory.user(w.org, Role.MEMBER, email="ben@example.com", name="Ben Okri")
    w.org.time_zone = "Europe/Berlin"
    db.session.commit()
    return w


def _planned(client, db, run_jobs, org_id: int):
    from app.models import Import

    response = client.post(f"/organizations/{org_id}/imports", content_type="multipart/form-data",
                           data={"format": "auto", "file": (io.BytesIO((DATA / "toggl.csv").read_bytes()), "t.csv")})
    assert response.status_code == 303
    run_jobs()
    g.pop("_login_user", None)
    return db.session.scalars(select(Import).order_by(Import.id.desc())).first()


def test_import_rows_in_locked_time_are_refused_each_with_its_reason_in_the_dry_run(client, toggl, db, run_jobs):
    from app.models import Import

    _approve(db, toggl.ada, toggl.org, date(2026, 11, 2))  # Ada's 2026-W45
    org_id = toggl.org.id
    login(client, toggl.owner)
    record = _planned(client, db, run_jobs, org_id)
    refused = [e for e in record.errors if "Week 2026-W45 is approved and locked" in e["message"]]
    assert refused and len(refused) == len(record.errors)  # Ada's rows that week, and only those
    page = client.get(f"/organizations/{org_id}/imports/{record.id}").get_data(as_text=True)
    assert "Week 2026-W45 is approved and locked: an owner can unlock it." in page
    before = _count(db)
    response = client.post(f"/organizations/{org_id}/imports/{record.id}/confirm")
    assert response.status_code == 303
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Import, record.id).status == ImportState.FAILED and _count(db) == before


def test_undoing_an_import_whose_entries_are_locked_since_removes_nothing_and_says_why(client, toggl, db, run_jobs):
    from app.models import Import

    org_id, ada, org = toggl.org.id, toggl.ada, toggl.org
    login(client, toggl.owner)
    record = _planned(client, db, run_jobs, org_id)
    record_id = record.id
    assert client.post(f"/organizations/{org_id}/imports/{record_id}/confirm").status_code == 303
    run_jobs()
    g.pop("_login_user", None)
    db.session.expire_all()
    assert db.session.get(Import, record_id).status == ImportState.IMPORTED
    imported = _count(db)
    _approve(db, db.session.merge(ada), db.session.merge(org), date(2026, 11, 2))
    response = client.post(f"/organizations/{org_id}/imports/{record_id}/undo")
    assert response.status_code == 409
    assert "Nothing was undone: an entry of this import is in locked time. Week 2026-W45 is approved and locked" \
        in response.get_data(as_text=True)
    db.session.expire_all()
    assert _count(db) == imported and db.session.get(Import, record_id).status == ImportState.IMPORTED
