"""Time entries and the timer through /api/v1: the pages' policies (a member sees their own, a manager their
teams', an owner the organization's; a foreign id is a 404), filters, cursor pagination that returns every entry
exactly once, the entry rules as 422 field errors, and writes that fan out live like the UI's."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.background.catalog import DASHBOARD_KINDS
from app.models import JobStatus, Tag, Task, TimeLog, utcnow
from tests.integration.notify_helpers import Pushes


def ids(response) -> set[int]:
    return {entry["id"] for entry in response.get_json()["data"]}


def iso(value) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


@pytest.fixture()
def pushes(redis_conn):
    listener = Pushes(redis_conn)
    yield listener
    listener.close()


# -- reading ------------------------------------------------------------------------------------------------
def test_each_role_lists_what_the_time_page_shows_them(db, factory, api):
    w = factory.world()
    assert ids(api(w.member).get("/time-entries")) == {w.member_log.id}
    assert ids(api(w.manager).get("/time-entries")) == {w.member_log.id}  # their team's (Alpha), not Beta's
    assert ids(api(w.owner).get("/time-entries")) == {w.member_log.id, w.beta_log.id}
    assert ids(api(w.outsider).get("/time-entries")) == {w.other_log.id}


def test_a_member_cannot_read_anothers_entries_even_by_filter_or_id(db, factory, api):
    w = factory.world()
    member = api(w.member)
    assert ids(member.get(f"/time-entries?user_id={w.beta_member.id}")) == set()
    assert member.get(f"/time-entries/{w.beta_log.id}").status_code == 404
    assert member.get(f"/time-entries/{w.other_log.id}").status_code == 404  # another organization's
    assert member.patch(f"/time-entries/{w.beta_log.id}", json={"description": "mine now"}).status_code == 404
    assert member.delete(f"/time-entries/{w.other_log.id}").status_code == 404
    assert db.session.get(TimeLog, w.beta_log.id).description != "mine now"


def test_a_manager_reads_but_does_not_edit_a_team_members_entry(db, factory, api):
    w = factory.world()
    manager = api(w.manager)
    assert manager.get(f"/time-entries/{w.member_log.id}").get_json()["user_id"] == w.member.id
    response = manager.patch(f"/time-entries/{w.member_log.id}", json={"description": "changed"})
    assert response.status_code == 403  # as the edit page: seen, not changed


def test_filters(db, factory, api):
    w = factory.world()
    day = utcnow().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=10)
    old = factory.time_log(w.member, w.alpha_project, start=day, billable=False)
    other_project = factory.time_log(w.member, w.org_project)
    owner = api(w.owner)
    assert ids(owner.get(f"/time-entries?user_id={w.member.id}")) == {w.member_log.id, old.id, other_project.id}
    assert ids(owner.get(f"/time-entries?project_id={w.org_project.id}")) == {other_project.id}
    assert ids(owner.get(f"/time-entries?from={day.date()}&to={day.date()}")) == {old.id}
    assert ids(owner.get("/time-entries?billable=false")) == {old.id}
    assert old.id not in ids(owner.get("/time-entries?billable=true"))


def test_bad_filters_are_422_with_field_errors(db, factory, api):
    w = factory.world()
    response = api(w.member).get("/time-entries?limit=500&from=yesterday&billable=maybe&cursor=zzz&colour=red")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"limit", "from", "billable", "cursor", "colour"}


def test_pagination_returns_every_entry_exactly_once(db, factory, api):
    w = factory.world()
    start = utcnow() - timedelta(days=3)
    made = {w.member_log.id}
    for i in range(23):  # several share a start time: the cursor breaks ties by id
        made.add(factory.time_log(w.member, w.alpha_project, start=start + timedelta(hours=i // 3), minutes=5).id)
    client = api(w.member)
    seen: list[int] = []
    cursor, pages = None, 0
    while True:
        response = client.get("/time-entries?limit=5" + (f"&cursor={cursor}" if cursor else ""))
        body = response.get_json()
        assert len(body["data"]) <= 5
        seen += [entry["id"] for entry in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 5
    assert len(seen) == len(set(seen)) == 24 and set(seen) == made
    starts = [(e.start_time, e.id) for e in db.session.scalars(select(TimeLog).where(TimeLog.id.in_(seen)))]
    assert [i for _, i in sorted(starts, reverse=True)] == seen  # newest first


# -- writing ------------------------------------------------------------------------------------------------
def test_create_update_delete(db, factory, api):
    w = factory.world()
    client = api(w.member)
    start = utcnow() - timedelta(days=1)
    response = client.post("/time-entries", json={"project_id": w.alpha_project.id, "start": iso(start),
                                                  "duration_minutes": 90, "description": "Workshop"})
    assert response.status_code == 201
    created = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/time-entries/{created['id']}")
    log = db.session.get(TimeLog, created["id"])
    assert (log.user_id, log.duration_minutes, log.description, log.billable) == (w.member.id, 90, "Workshop", True)

    moved = client.patch(f"/time-entries/{log.id}", json={"start": iso(start - timedelta(hours=2)),
                                                          "billable": False})
    assert moved.status_code == 200
    db.session.refresh(log)
    assert (log.duration_minutes, log.billable, log.description) == (90, False, "Workshop")  # length kept
    assert moved.get_json()["start"] == iso(start - timedelta(hours=2))

    assert client.delete(f"/time-entries/{log.id}").status_code == 204
    db.session.expire_all()
    assert db.session.get(TimeLog, log.id) is None
    assert client.get(f"/time-entries/{log.id}").status_code == 404


def test_entry_rules_are_422_field_errors(db, factory, api):
    w = factory.world()
    client = api(w.member)
    start = utcnow() - timedelta(days=1)
    cases = [
        ({}, {"project_id", "start", "description"}),
        ({"project_id": w.alpha_project.id, "start": "monday", "description": "x", "duration_minutes": 5}, {"start"}),
        ({"project_id": w.alpha_project.id, "start": iso(start), "end": iso(start - timedelta(minutes=1)),
          "description": "x"}, {"end"}),
        ({"project_id": w.alpha_project.id, "start": iso(start), "duration_minutes": 25 * 60, "description": "x"},
         {"end"}),
        ({"project_id": w.beta_project.id, "start": iso(start), "duration_minutes": 5, "description": "x"},
         {"project_id"}),  # Beta's project: not one of the member's
        ({"project_id": w.alpha_project.id, "start": iso(start), "description": "x"}, {"end"}),
        ({"project_id": w.alpha_project.id, "start": iso(start), "duration_minutes": 5, "description": "  "},
         {"description"}),
        ({"project_id": w.alpha_project.id, "start": "2300-01-01T10:00:00Z", "duration_minutes": 5,
          "description": "x"}, {"start"}),
        ({"project_id": True, "start": iso(start), "duration_minutes": 5, "description": "x", "tags": []},
         {"project_id", "tags"}),
    ]
    before = db.session.scalar(select(TimeLog.id).order_by(TimeLog.id.desc()))
    for body, fields in cases:
        response = client.post("/time-entries", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert set(response.get_json()["errors"]) == fields, (body, response.get_json())
    assert db.session.scalar(select(TimeLog.id).order_by(TimeLog.id.desc())) == before


def test_timer_start_and_stop(db, factory, api):
    w = factory.world()
    client = api(w.member)
    assert client.get("/timer").get_json() == {"timer": None}
    started = client.post("/timer/start", json={"project_id": w.alpha_project.id, "description": "Call"})
    assert started.status_code == 201 and started.get_json()["timer"]["running"] is True
    assert client.get("/timer").get_json()["timer"]["id"] == started.get_json()["timer"]["id"]
    stopped = client.post("/timer/stop")
    assert stopped.status_code == 200 and stopped.get_json()["stopped"]["running"] is False
    assert client.post("/timer/stop").status_code == 409
    assert client.post("/timer/start", json={"project_id": w.other_project.id}).status_code == 404
    assert client.post("/timer/start", json={}).get_json()["errors"] == {"project_id": "project_id is required."}


def test_an_api_write_fans_out_like_the_ui(db, factory, api, watch, pushes):
    """The member's header timer is pushed on their stream and their dashboards queued for a recompute."""
    w = factory.world()
    watch(f"user:{w.member.id}", f"dashboard:user:{w.member.id}", f"dashboard:org:{w.org.id}")
    response = api(w.member).post("/timer/start", json={"project_id": w.alpha_project.id})
    assert response.status_code == 201
    messages = pushes.collect('target="header-timer"', timeout=5)
    header = [m for m in messages if 'target="header-timer"' in m["stream"]]
    assert header and header[-1]["topics"] == [f"user:{w.member.id}"]
    assert w.alpha_project.name in header[-1]["stream"]
    pending = set(db.session.scalars(select(JobStatus.coalesce_key).where(JobStatus.kind.in_(DASHBOARD_KINDS))))
    assert {f"dashboard:user:{w.member.id}", f"dashboard:org:{w.org.id}"} <= pending


# -- tags and tasks -----------------------------------------------------------------------------------------
def test_entries_and_the_timer_carry_a_task_and_tags_checked_like_the_form(db, factory, api):
    w = factory.world()
    design = Task(project_id=w.alpha_project.id, name="Design")
    hiring = Task(project_id=w.org_project.id, name="Hiring")
    meeting, urgent = Tag(organization_id=w.org.id, name="meeting"), Tag(organization_id=w.org.id, name="urgent")
    theirs = Tag(organization_id=w.other_org.id, name="theirs")
    db.session.add_all([design, hiring, meeting, urgent, theirs])
    db.session.commit()
    client = api(w.member)
    assert [t["name"] for t in client.get(f"/organizations/{w.org.id}/tags").get_json()["data"]] == [
        "meeting", "urgent"]
    assert client.get(f"/organizations/{w.other_org.id}/tags").status_code == 404
    assert client.get(f"/projects/{w.alpha_project.id}/tasks").get_json()["data"] == [
        {"id": design.id, "project_id": w.alpha_project.id, "name": "Design"}]

    start = utcnow() - timedelta(days=1)
    body = {"project_id": w.alpha_project.id, "start": iso(start), "duration_minutes": 30, "description": "Sketch",
            "task_id": design.id, "tag_ids": [urgent.id, meeting.id]}
    created = client.post("/time-entries", json=body).get_json()
    assert (created["task_id"], sorted(created["tag_ids"])) == (design.id, sorted([meeting.id, urgent.id]))
    log = db.session.get(TimeLog, created["id"])
    assert (log.task_id, sorted(t.name for t in log.tags)) == (design.id, ["meeting", "urgent"])
    # a change that leaves them out keeps them; naming them changes them
    kept = client.patch(f"/time-entries/{log.id}", json={"description": "Sketches"}).get_json()
    assert (kept["task_id"], sorted(kept["tag_ids"])) == (design.id, sorted([meeting.id, urgent.id]))
    changed = client.patch(f"/time-entries/{log.id}", json={"task_id": None, "tag_ids": [meeting.id]}).get_json()
    assert (changed["task_id"], changed["tag_ids"]) == (None, [meeting.id])

    before = db.session.scalar(select(TimeLog.id).order_by(TimeLog.id.desc()))
    for extra, field in (({"task_id": hiring.id}, "task_id"), ({"tag_ids": [theirs.id]}, "tag_ids"),
                         ({"tag_ids": [meeting.id, "x"]}, "tag_ids")):
        response = client.post("/time-entries", json={**body, **extra})
        assert response.status_code == 422 and set(response.get_json()["errors"]) == {field}, response.get_json()
    assert db.session.scalar(select(TimeLog.id).order_by(TimeLog.id.desc())) == before

    started = client.post("/timer/start", json={"project_id": w.alpha_project.id, "task_id": design.id,
                                                "tag_ids": [meeting.id]})
    assert started.status_code == 201
    assert (started.get_json()["timer"]["task_id"], started.get_json()["timer"]["tag_ids"]) == (design.id,
                                                                                                [meeting.id])
    refused = client.post("/timer/start", json={"project_id": w.alpha_project.id, "task_id": hiring.id})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"task_id"}
