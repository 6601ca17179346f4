"""Issue 19 (B): billable defaults from the project, short timers not kept, undo after delete, pause and resume,
tags, tasks and project colours on entries and timers."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.models import TimeLog, utcnow
from tests.conftest import login


def _checkbox(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html)[0]


# -- 1. billable defaults from the project ---------------------------------------------------------------
def test_new_entry_billable_box_starts_as_the_chosen_projects_flag(client, factory):
    w = factory.world()
    w.alpha_project.billable = False
    factory.db.session.commit()
    login(client, w.member)
    html = client.get(f"/time-logs/new?project={w.alpha_project.id}").get_data(as_text=True)
    assert "checked" not in _checkbox(html, "billable")
    html = client.get(f"/time-logs/new?project={w.org_project.id}").get_data(as_text=True)
    assert "checked" in _checkbox(html, "billable")


def test_new_entry_without_a_chosen_project_takes_the_first_projects_flag(client, factory):
    w = factory.world()
    w.alpha_project.billable = False  # "Alpha site" is the member's first project by name
    factory.db.session.commit()
    login(client, w.member)
    html = client.get("/time-logs/new").get_data(as_text=True)
    assert "checked" not in _checkbox(html, "billable")
    # the page carries every project's flag for the select to follow
    assert f'"{w.alpha_project.id}": false' in html and f'"{w.org_project.id}": true' in html


def test_a_timer_takes_its_projects_billable_flag(client, factory):
    w = factory.world()
    w.alpha_project.billable = False
    factory.db.session.commit()
    login(client, w.member)
    assert client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id}).status_code == 303
    assert factory.db.session.scalar(select(TimeLog).where(TimeLog.end_time.is_(None))).billable is False
    assert client.post("/time-logs/timer/start", data={"project_id": w.org_project.id}).status_code == 303
    factory.db.session.expire_all()
    assert factory.db.session.scalar(select(TimeLog).where(TimeLog.end_time.is_(None))).billable is True


# -- 2. a timer under one minute is not kept ------------------------------------------------------------
def test_stopping_a_timer_under_a_minute_deletes_it_and_says_so(client, factory):
    w = factory.world()
    login(client, w.member)
    client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id})
    before = factory.db.session.scalar(select(func.count()).select_from(TimeLog))
    response = client.post("/time-logs/timer/stop", follow_redirects=True)
    assert "Timer under a minute: not kept." in response.get_data(as_text=True)
    factory.db.session.expire_all()
    assert factory.db.session.scalar(select(func.count()).select_from(TimeLog)) == before - 1
    assert w.member.running_timer is None


def test_a_timer_of_a_minute_or_more_is_kept(client, factory):
    w = factory.world()
    running = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(seconds=61), minutes=None)
    login(client, w.member)
    html = client.post("/time-logs/timer/stop", follow_redirects=True).get_data(as_text=True)
    assert "not kept" not in html and "Timer stopped: 1 min on Alpha site." in html
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, running.id).end_time is not None


# -- 3. undo after delete ----------------------------------------------------------------------------------
def _undo_token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html)[1]


def test_delete_offers_undo_which_restores_the_same_entry_and_fans_out_again(client, factory, watch, redis_conn):
    from app.models import JobStatus

    w = factory.world()
    design, _, meeting, _ = _labels(factory, w)
    log = factory.time_log(w.member, w.alpha_project, description="Quarterly report", billable=False,
                           task_id=design.id, tags=[meeting])
    kept = {c: getattr(log, c) for c in ("id", "user_id", "project_id", "organization_id", "start_time", "end_time",
                                         "duration_minutes", "description", "billable", "created_at", "task_id")}
    watch(f"dashboard:user:{w.member.id}")
    login(client, w.member)
    response = client.post(f"/time-logs/{log.id}/delete", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert 'data-testid="undo-toast"' in html and 'data-toast-delay-value="10000"' in html
    token = _undo_token(html)
    assert 0 < redis_conn.ttl(f"undo:time-log:{token}") <= 10
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, log.id) is None
    factory.db.session.execute(JobStatus.__table__.delete())
    factory.db.session.commit()

    response = client.post("/time-logs/undo", data={"token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/time-logs"
    assert "Entry restored." in client.get("/time-logs").get_data(as_text=True)
    factory.db.session.expire_all()
    restored = factory.db.session.get(TimeLog, log.id)
    assert {c: getattr(restored, c) for c in kept} == kept and [t.id for t in restored.tags] == [meeting.id]
    queued = set(factory.db.session.scalars(select(JobStatus.coalesce_key)))  # the dashboards recount it
    assert f"dashboard:user:{w.member.id}" in queued
    # a second Undo of the same token restores nothing more
    again = client.post("/time-logs/undo", data={"token": token})
    assert again.status_code == 410 and "Too late to undo" in again.get_data(as_text=True)
    assert factory.db.session.scalar(select(func.count()).select_from(TimeLog).where(
        TimeLog.description == "Quarterly report")) == 1


def test_undo_refuses_clearly_once_its_time_is_over(client, factory, monkeypatch):
    import time

    from app.time_tracking import undo

    monkeypatch.setattr(undo, "UNDO_SECONDS", 1)
    w = factory.world()
    login(client, w.member)
    html = client.post(f"/time-logs/{w.member_log.id}/delete", follow_redirects=True).get_data(as_text=True)
    token = _undo_token(html)
    time.sleep(1.5)
    response = client.post("/time-logs/undo", data={"token": token})
    assert response.status_code == 410
    assert "Too late to undo" in response.get_data(as_text=True)
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, w.member_log.id) is None


def test_someone_elses_undo_token_restores_nothing(client, factory):
    w = factory.world()
    login(client, w.member)
    token = _undo_token(client.post(f"/time-logs/{w.member_log.id}/delete",
                                    follow_redirects=True).get_data(as_text=True))
    client.post("/logout")
    login(client, w.owner)
    assert client.post("/time-logs/undo", data={"token": token}).status_code == 410
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, w.member_log.id) is None


# -- 4. pause / resume ---------------------------------------------------------------------------------
def test_pause_ends_the_segment_and_resume_starts_the_same_work_linked_to_it(client, factory):
    from app.models import Tag, Task

    w = factory.world()
    task = Task(project_id=w.alpha_project.id, name="Design")
    tag = Tag(organization_id=w.org.id, name="meeting")
    factory.db.session.add_all([task, tag])
    factory.db.session.commit()
    running = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(minutes=20), minutes=None,
                               description="Homepage", billable=False, task_id=task.id, tags=[tag])
    login(client, w.member)
    assert client.post("/time-logs/timer/pause").status_code == 303
    html = client.get("/time-logs").get_data(as_text=True)
    assert 'data-testid="timer-paused"' in html and 'data-testid="resume-timer"' in html
    assert "Timer paused." in html
    factory.db.session.expire_all()
    first = factory.db.session.get(TimeLog, running.id)
    assert first.end_time is not None and first.paused and first.duration_minutes == 20
    assert w.member.running_timer is None

    assert client.post("/time-logs/timer/resume").status_code == 303
    factory.db.session.expire_all()
    second = w.member.running_timer
    assert second.id != first.id and second.resumed_from_id == first.id
    assert (second.project_id, second.description, second.billable, second.task_id, [t.id for t in second.tags]) \
        == (w.alpha_project.id, "Homepage", False, task.id, [tag.id])
    assert factory.db.session.get(TimeLog, first.id).paused is False
    html = client.get("/time-logs").get_data(as_text=True)
    assert 'data-testid="timer-paused"' not in html and 'data-testid="pause-timer"' in html


def test_pause_without_a_timer_and_resume_without_a_pause_are_refused(client, factory):
    w = factory.world()
    login(client, w.member)
    assert client.post("/time-logs/timer/pause").status_code == 409
    response = client.post("/time-logs/timer/resume")
    assert response.status_code == 409 and "No timer is paused." in response.get_data(as_text=True)


def test_stopping_while_paused_ends_the_pause_and_a_new_timer_ends_it_too(client, factory):
    w = factory.world()
    factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(minutes=5), minutes=None)
    login(client, w.member)
    client.post("/time-logs/timer/pause")
    assert w.member.paused_timer is not None
    assert client.post("/time-logs/timer/stop").status_code == 303
    factory.db.session.expire_all()
    assert w.member.paused_timer is None and w.member.running_timer is None
    factory.time_log(w.member, w.org_project, start=utcnow() - timedelta(minutes=5), minutes=None)
    client.post("/time-logs/timer/pause")
    client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id})
    factory.db.session.expire_all()
    assert w.member.paused_timer is None and w.member.running_timer.project_id == w.alpha_project.id


# -- 5. tags, tasks, colours -------------------------------------------------------------------------------
def _labels(factory, w):
    from app.models import Tag, Task

    design = Task(project_id=w.alpha_project.id, name="Design")
    internal_task = Task(project_id=w.org_project.id, name="Hiring")
    meeting = Tag(organization_id=w.org.id, name="meeting")
    foreign = Tag(organization_id=w.other_org.id, name="theirs")
    factory.db.session.add_all([design, internal_task, meeting, foreign])
    factory.db.session.commit()
    return design, internal_task, meeting, foreign


def test_an_entry_takes_a_task_of_its_project_and_tags_of_its_organization(client, factory):
    w = factory.world()
    design, _, meeting, _ = _labels(factory, w)
    login(client, w.member)
    data = {"project_id": w.alpha_project.id, "day": "2026-03-02", "start": "09:00", "end": "10:00",
            "description": "Mockups", "billable": "y", "task_id": design.id, "tag_ids": [meeting.id]}
    assert client.post("/time-logs/new", data=data).status_code == 303
    log = factory.db.session.scalar(select(TimeLog).where(TimeLog.description == "Mockups"))
    assert log.task_id == design.id and [t.name for t in log.tags] == ["meeting"]
    html = client.get("/time-logs").get_data(as_text=True)
    assert 'data-testid="log-task">· Design' in html and 'data-testid="log-tag">meeting' in html
    assert f"--dot: {w.alpha_project.color}" in html


def test_a_task_of_another_project_is_refused_inline(client, factory):
    w = factory.world()
    _, hiring, _, _ = _labels(factory, w)
    login(client, w.manager)  # sees both projects, so both tasks are offered
    data = {"project_id": w.alpha_project.id, "day": "2026-03-02", "start": "09:00", "end": "10:00",
            "description": "Mockups", "billable": "y", "task_id": hiring.id}
    response = client.post("/time-logs/new", data=data)
    assert response.status_code == 422
    assert "That task belongs to another project" in response.get_data(as_text=True)
    assert factory.db.session.scalar(select(TimeLog).where(TimeLog.description == "Mockups")) is None


def test_a_tag_of_another_organization_is_refused_inline_and_by_the_timer(client, factory):
    w = factory.world()
    _, _, _, foreign = _labels(factory, w)
    login(client, w.member)
    data = {"project_id": w.alpha_project.id, "day": "2026-03-02", "start": "09:00", "end": "10:00",
            "description": "Mockups", "billable": "y", "tag_ids": [foreign.id]}
    response = client.post("/time-logs/new", data=data)
    assert response.status_code == 422
    assert "Choose tags of this project&#39;s organization." in response.get_data(as_text=True)
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id, "tag_ids": foreign.id})
    assert response.status_code == 422 and w.member.running_timer is None


def test_a_timer_takes_a_task_and_tags(client, factory):
    w = factory.world()
    design, hiring, meeting, _ = _labels(factory, w)
    login(client, w.member)
    html = client.get("/time-logs").get_data(as_text=True)
    assert 'id="timer-task"' in html and "Alpha site · Design" in html and 'data-testid="timer-tags"' in html
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id, "task_id": design.id,
                                                            "tag_ids": [meeting.id]})
    assert response.status_code == 303
    timer = w.member.running_timer
    assert timer.task_id == design.id and [t.id for t in timer.tags] == [meeting.id]
    refused = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id, "task_id": hiring.id})
    assert refused.status_code == 422 and "another project" in refused.get_data(as_text=True)


def test_managers_add_and_delete_tags_members_may_not(client, factory):
    from app.models import Tag

    w = factory.world()
    login(client, w.member)
    assert client.get("/tags").status_code == 403
    client.post("/logout")
    login(client, w.manager)
    response = client.post("/tags", data={"name": "  client   call "})
    assert response.status_code == 303
    assert "client call" in client.get("/tags").get_data(as_text=True)
    again = client.post("/tags", data={"name": "Client call"})
    assert again.status_code == 422 and "already has that tag" in again.get_data(as_text=True)
    assert client.post("/tags", data={"name": ""}).status_code == 422
    tag = factory.db.session.scalar(select(Tag).where(Tag.name == "client call"))
    assert tag.organization_id == w.org.id
    assert client.post(f"/tags/{tag.id}/delete").status_code == 303
    assert factory.db.session.scalar(select(Tag).where(Tag.name == "client call")) is None
    _, _, _, foreign = _labels(factory, w)
    assert client.post(f"/tags/{foreign.id}/delete").status_code == 404


def test_tasks_are_added_and_deleted_on_the_project_page_and_entries_lose_them(client, factory):
    from app.models import Task

    w = factory.world()
    login(client, w.admin)
    assert client.post(f"/projects/{w.alpha_project.id}/tasks", data={"task_name": "Launch"}).status_code == 303
    html = client.get(f"/projects/{w.alpha_project.id}/edit").get_data(as_text=True)
    assert 'data-testid="task-row">Launch' in html
    dup = client.post(f"/projects/{w.alpha_project.id}/tasks", data={"task_name": "launch"}, follow_redirects=True)
    assert "This project already has that task." in dup.get_data(as_text=True)
    task = factory.db.session.scalar(select(Task).where(Task.name == "Launch"))
    log = factory.time_log(w.member, w.alpha_project, task_id=task.id)
    assert client.post(f"/projects/{w.beta_project.id}/tasks/{task.id}/delete").status_code == 404
    assert client.post(f"/projects/{w.alpha_project.id}/tasks/{task.id}/delete").status_code == 303
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, log.id).task_id is None
    client.post("/logout")
    login(client, w.member)  # members do not manage a project's tasks
    assert client.post(f"/projects/{w.alpha_project.id}/tasks", data={"task_name": "X"}).status_code == 403


def test_project_colour_picker_default_palette_and_bad_colour(client, factory):
    from app.models import Project
    from app.models.project import PALETTE

    w = factory.world()
    login(client, w.owner)
    html = client.get("/projects/new").get_data(as_text=True)
    assert 'type="color"' in html and f'value="{PALETTE[3]}"' in html  # the org has 3 projects
    data = {"organization_id": w.org.id, "name": "Red", "client_id": 0, "team_id": 0, "budget_hours": "",
            "hourly_rate": "", "billable": "y", "color": "#FF0000"}
    assert client.post("/projects/new", data=data).status_code == 303
    assert factory.db.session.scalar(select(Project).where(Project.name == "Red")).color == "#ff0000"
    bad = client.post("/projects/new", data={**data, "name": "Bad", "color": "red"})
    assert bad.status_code == 422 and "Colour must look like #3b82f6." in bad.get_data(as_text=True)
