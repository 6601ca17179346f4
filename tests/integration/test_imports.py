"""Imports (issue 20 E): the dry run's plan (counts, people, projects, clients, tags, tasks matched or new; nothing
written), the import (entries at the right UTC times on the right projects, all or nothing), running the same file
again (nothing new), undo (everything it created, audited), bad files and rows, and who may do it."""
from __future__ import annotations

import io
import time
from datetime import datetime
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select

from app.models import AuditEntry, Client, Import, ImportState, Project, Role, Tag, Task, TimeLog, User
from tests.conftest import login

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


@pytest.fixture()
def scene(factory, db):
    w = factory.world()
    w.ada = factory.user(w.org, Role.MEMBER, email="ada@example.com", name="Ada Lovelace")
    w.ben = factory.user(w.org, Role.MEMBER, email="ben@example.com", name="Ben Okri")
    w.org.time_zone = "Europe/Berlin"  # the files' dates and times are read in it (UTC+1 in November)
    db.session.commit()
    w.db = db
    # plain ids: a job run ends the session the records were loaded in (fresh(scene, "owner") loads one again)
    w.user_ids = {name: getattr(w, name).id for name in ("owner", "admin", "manager", "member", "outsider", "ada")}
    w.org_id, w.org_project_id, w.ada_id, w.ben_id, w.owner_id = (
        w.org.id, w.org_project.id, w.ada.id, w.ben.id, w.owner.id)
    return w


def fresh(scene, name: str) -> User:
    return scene.db.session.get(User, scene.user_ids[name])


def upload(client, scene, name: str, data: bytes | None = None, **form):
    fields = {"format": "auto", **form,
              "file": (io.BytesIO(data if data is not None else (DATA / name).read_bytes()), name)}
    return client.post(f"/organizations/{scene.org_id}/imports", data=fields, content_type="multipart/form-data")


def planned(client, scene, run_jobs, name: str, **form) -> Import:
    response = upload(client, scene, name, **form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    work(run_jobs)
    scene.db.session.expire_all()
    return scene.db.session.scalars(select(Import).order_by(Import.id.desc())).first()


def work(run_jobs) -> None:
    """Run the queued jobs; the worker ends the session, so the signed-in user Flask-Login cached goes too."""
    run_jobs()
    g.pop("_login_user", None)


def logs(db) -> int:
    return db.session.scalar(select(func.count(TimeLog.id)))


def confirm(client, scene, run_jobs, record: Import) -> Import:
    record_id = record.id
    response = client.post(f"/organizations/{scene.org_id}/imports/{record_id}/confirm")
    assert response.status_code == 303
    work(run_jobs)
    scene.db.session.expire_all()
    return scene.db.session.get(Import, record_id)


def test_the_dry_run_shows_counts_and_matches_and_writes_nothing(client, scene, db, run_jobs):
    before = logs(db)
    login(client, scene.owner)
    record = planned(client, scene, run_jobs, "toggl.csv")
    assert record.status == ImportState.PLANNED and record.format == "toggl"
    plan = record.plan
    assert (plan["rows"], plan["entries_new"], plan["entries_existing"], plan["errors"]) == (3, 3, 0, 0)
    assert {(p["who"], p["member"], p["action"]) for p in plan["people"]} == {
        ("ada@example.com", "Ada Lovelace", "matched"), ("ben@example.com", "Ben Okri", "matched")}
    assert plan["projects"] == [{"name": "Website", "new": True}, {"name": "Internal", "new": False}]
    assert plan["clients"] == [{"name": "Acme Corp", "new": True}]
    assert plan["tasks"] == [{"name": "Website / Design", "new": True}]
    assert [t["name"] for t in plan["tags"]] == ["client-work", "design", "meeting"]
    assert logs(db) == before and db.session.scalar(select(Project).where(Project.name == "Website")) is None
    page = client.get(f"/organizations/{scene.org_id}/imports/{record.id}").get_data(as_text=True)
    assert "3 entries to create" in page and 'data-testid="import-confirm"' in page
    listing = client.get(f"/organizations/{scene.org_id}/imports").get_data(as_text=True)
    assert f'/imports/{record.id}">toggl.csv</a>' in listing and "planned" in listing


def test_import_creates_the_entries_in_utc_then_again_creates_nothing_and_undo_removes_it_all(
        client, scene, db, run_jobs):
    login(client, scene.owner)
    record = confirm(client, scene, run_jobs, planned(client, scene, run_jobs, "clockify.csv"))
    assert record.status == ImportState.IMPORTED and record.entries_created == 3, record.message
    record_id = record.id
    imported = list(db.session.scalars(select(TimeLog).where(TimeLog.id.in_(record.created["time_logs"]))
                                       .order_by(TimeLog.start_time)))
    ada_first = imported[0]
    assert (ada_first.user_id, ada_first.start_time, ada_first.end_time, ada_first.duration_minutes) == (
        scene.ada_id, datetime(2026, 11, 2, 8, 0), datetime(2026, 11, 2, 9, 30), 90)  # 09:00 Berlin = 08:00 UTC
    website = db.session.get(Project, ada_first.project_id)
    assert website.name == "Website" and website.client.name == "Acme Corp"
    assert ada_first.task.name == "Design" and [t.name for t in ada_first.tags] == ["client-work", "design"]
    assert imported[1].user_id == scene.ben_id and imported[1].billable is False
    assert imported[2].project_id == scene.org_project_id  # "Internal" matched the existing project
    assert all(log.external_id.startswith("clockify:") for log in imported)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.run")).details["entries"] == 3

    again = planned(client, scene, run_jobs, "clockify.csv")
    assert (again.plan["entries_new"], again.plan["entries_existing"]) == (0, 3)
    assert "Nothing new" in client.get(f"/organizations/{scene.org_id}/imports/{again.id}").get_data(as_text=True)
    again = confirm(client, scene, run_jobs, again)
    assert again.entries_created == 0 and again.message.startswith("Nothing new: all 3 entries")

    response = client.post(f"/organizations/{scene.org_id}/imports/{record_id}/undo")
    assert response.status_code == 303
    assert "removed 3 entries, 1 projects, 1 clients, 1 tasks and 3 tags" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(TimeLog.id)).where(TimeLog.external_id.is_not(None))) == 0
    assert db.session.scalar(select(Project).where(Project.name == "Website")) is None
    assert db.session.scalar(select(Client).where(Client.name == "Acme Corp")) is None
    assert db.session.scalar(select(func.count(Tag.id))) == 0
    assert db.session.scalar(select(func.count(Task.id))) == 0
    assert db.session.get(Project, scene.org_project_id) is not None  # it existed before: kept
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.undo")).actor_id == scene.owner_id
    trail = client.get(f"/organizations/{scene.org_id}/audit").get_data(as_text=True)
    assert "import.run" in trail and "import.undo" in trail and "clockify.csv" in trail
    assert client.post(f"/organizations/{scene.org_id}/imports/{record_id}/undo").status_code == 409


def test_undo_keeps_what_something_else_uses_since(client, scene, db, run_jobs, factory):
    login(client, scene.owner)
    record = confirm(client, scene, run_jobs, planned(client, scene, run_jobs, "solidtime.csv"))
    assert record.entries_created == 3, record.message
    website = db.session.scalar(select(Project).where(Project.name == "Website"))
    factory.time_log(fresh(scene, "ada"), website)  # someone's own entry on the imported project since
    client.post(f"/organizations/{scene.org_id}/imports/{record.id}/undo")
    assert db.session.get(Project, website.id) is not None
    assert db.session.scalar(select(func.count(TimeLog.id)).where(TimeLog.project_id == website.id)) == 1


def test_an_unmatched_person_is_refused_and_nothing_is_imported_unless_assigned_to_the_importer(
        client, scene, db, run_jobs):
    db.session.delete(db.session.get(User, scene.ben_id))
    db.session.commit()
    login(client, scene.owner)
    before = logs(db)
    record = planned(client, scene, run_jobs, "toggl.csv")
    assert record.errors == [{"line": 3, "message": "no member of Acme has the e-mail ben@example.com: invite "
                                                     "them first, or choose to import their rows as yours"}]
    record = confirm(client, scene, run_jobs, record)
    assert record.status == ImportState.FAILED and "lines 3" in record.message and logs(db) == before
    page = client.get(f"/organizations/{scene.org_id}/imports/{record.id}").get_data(as_text=True)
    assert "Nothing was imported" in page and "ben@example.com" in page

    record = confirm(client, scene, run_jobs, planned(client, scene, run_jobs, "toggl.csv", assign_unmatched="y"))
    assert record.status == ImportState.IMPORTED and record.entries_created == 3
    standup = db.session.scalar(select(TimeLog).where(TimeLog.description == "Standup"))
    assert standup.user_id == scene.owner_id


def test_a_bad_row_is_shown_with_its_line_and_nothing_is_imported(client, scene, db, run_jobs):
    login(client, scene.owner)
    before = logs(db)
    record = planned(client, scene, run_jobs, "bad_row.csv")
    assert [e["line"] for e in record.errors] == [3, 4, 5]
    assert record.errors[2]["message"].startswith("Give a date between 2000-01-01 and")  # as the entry form says
    page = client.get(f"/organizations/{scene.org_id}/imports/{record.id}").get_data(as_text=True)
    assert "the entry ends before it starts" in page and "3 rows refused" in page
    record = confirm(client, scene, run_jobs, record)
    assert record.status == ImportState.FAILED and "lines 3, 4, 5" in record.message and logs(db) == before


@pytest.mark.parametrize(("name", "data", "says"), [
    ("malformed.csv", None, "match none of the known exports"),
    ("times.xlsx", b"PK\x03\x04", "Only CSV files can be imported"),
    ("latin.csv", "Date,Projet\nété,x\n".encode("latin-1"), "not UTF-8"),
    ("big.csv", b"a,b\n" + b"1,2\n" * (5 * 1024 * 1024 // 4 + 1), "larger than 5 MB"),
])
def test_a_bad_file_gets_a_clear_inline_error_and_no_import(client, scene, db, name, data, says):
    login(client, scene.owner)
    response = upload(client, scene, name, data)
    assert response.status_code == 422 and says in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Import.id))) == 0


def test_the_generic_csv_needs_its_columns_chosen(client, scene, db, run_jobs):
    login(client, scene.owner)
    response = upload(client, scene, "generic.csv", format="generic", column_project="what")
    assert response.status_code == 422 and "Choose the column of: email" in response.get_data(as_text=True)
    record = planned(client, scene, run_jobs, "generic.csv", format="generic", column_date="day", column_start="from",
                     column_end="to", column_email="who", column_project="what", column_client="customer",
                     column_description="notes", column_tags="labels", column_billable="paid")
    assert record.plan["entries_new"] == 3 and record.errors == []


def test_who_may_import_and_see_an_import(client, scene, db, run_jobs):
    url = f"/organizations/{scene.org_id}/imports"
    login(client, scene.owner)
    record = planned(client, scene, run_jobs, "toggl.csv")
    client.post("/logout")
    login(client, fresh(scene, "member"))
    assert client.get(url).status_code == 403
    assert upload(client, scene, "toggl.csv").status_code == 403
    assert client.get(f"{url}/{record.id}").status_code == 404
    assert client.post(f"{url}/{record.id}/confirm").status_code == 403
    client.post("/logout")
    login(client, fresh(scene, "outsider"))
    assert client.get(url).status_code == 404 and client.get(f"{url}/{record.id}").status_code == 404
    client.post("/logout")
    login(client, fresh(scene, "manager"))  # a manager imports, but only time they may add (their own)
    assert client.get(url).status_code == 200
    assert client.get(f"{url}/{record.id}").status_code == 404  # the owner's import
    mine = planned(client, scene, run_jobs, "toggl.csv")
    assert {e["message"] for e in mine.errors} == {"you may not add time for Ada Lovelace",
                                                   "you may not add time for Ben Okri"}


def test_an_imports_stream_reaches_only_who_may_see_it(scene, db, client, run_jobs):
    from app.live.topics import can_receive

    login(client, scene.owner)
    record = planned(client, scene, run_jobs, "toggl.csv")
    topic = f"import:{record.id}"
    assert can_receive(fresh(scene, "owner"), topic) and can_receive(fresh(scene, "admin"), topic)
    assert not can_receive(fresh(scene, "member"), topic) and not can_receive(fresh(scene, "manager"), topic)
    assert not can_receive(fresh(scene, "outsider"), topic)


def test_the_dry_run_streams_into_its_page_and_the_import_reaches_the_dashboards(client, scene, run_jobs, watch,
                                                                                 redis_conn):
    from tests.integration.notify_helpers import Pushes

    pushes = Pushes(redis_conn)
    try:
        login(client, scene.owner)
        assert upload(client, scene, "toggl.csv").status_code == 303
        record_id = scene.db.session.scalar(select(func.max(Import.id)))
        watch(f"import:{record_id}", f"dashboard:org:{scene.org_id}")  # both pages are open
        work(run_jobs)
        target = f'target="import-{record_id}-status"'
        planned_push = [m for m in pushes.collect("3 entries to create") if target in m.get("stream", "")]
        assert planned_push and 'data-status="planned"' in planned_push[-1]["stream"]
        assert all(m["topics"] == [f"import:{record_id}"] for m in planned_push)
        pushes.messages.clear()
        client.post(f"/organizations/{scene.org_id}/imports/{record_id}/confirm")
        work(run_jobs)
        items = f'target="dashboard-org-{scene.org_id}-activity-items"'
        deadline = time.time() + 5
        while time.time() < deadline and not [m for m in pushes.messages if items in m.get("stream", "")
                                              and "Reading, notes" in m["stream"]]:
            pushes.collect(until="\x00never", timeout=0.2)
        activity = [m["stream"] for m in pushes.messages if items in m.get("stream", "")]
        assert len(activity) == 3 and all('action="prepend"' in stream for stream in activity)
        assert "Homepage mockups" in activity[0] and "Reading, notes" in activity[2]
    finally:
        pushes.close()


def test_an_import_whose_job_died_for_good_says_so_and_waits_no_more(client, scene, db):
    from app.background import tracking
    from app.models import JobState, JobStatus

    login(client, scene.owner)
    assert upload(client, scene, "toggl.csv").status_code == 303  # queued; no worker runs it
    record = db.session.scalars(select(Import)).one()
    status = db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == record.rq_job_id))
    assert tracking.transition(status, JobState.PENDING, lambda s: s.fail("the worker was killed")) == 1
    db.session.expire_all()
    record = db.session.scalars(select(Import)).one()
    assert record.status == ImportState.FAILED and "dry run's job failed" in record.message


def test_files_are_read_in_the_organizations_time_zone_an_owner_sets_unless_the_form_names_another(
        client, scene, db, run_jobs):
    login(client, scene.owner)
    assert 'value="Europe/Berlin"' in client.get(f"/organizations/{scene.org_id}/imports").get_data(as_text=True)
    settings = {"name": "Acme", "currency": "EUR", "week_start": "0"}
    url = f"/organizations/{scene.org_id}/settings"
    refused = client.post(url, data={**settings, "time_zone": "Mars/Olympus"})
    assert refused.status_code == 422 and "Choose a time zone" in refused.get_data(as_text=True)
    assert client.post(url, data={**settings, "time_zone": "America/New_York"}).status_code == 303
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.update")).details[
        "time_zone"] == ["Europe/Berlin", "America/New_York"]
    record = confirm(client, scene, run_jobs, planned(client, scene, run_jobs, "toggl.csv"))
    first = db.session.scalar(select(TimeLog).where(TimeLog.id.in_(record.created["time_logs"]))
                              .order_by(TimeLog.start_time))
    assert first.start_time == datetime(2026, 11, 2, 14, 0)  # 09:00 in New York (UTC-5)
    record = planned(client, scene, run_jobs, "harvest.csv", time_zone="Asia/Tokyo")  # the form's own choice
    assert record.options["time_zone"] == "Asia/Tokyo"
