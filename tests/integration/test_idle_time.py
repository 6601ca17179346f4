"""Issue 19 (D): the idle time of a running timer, POST /time-logs/timer/idle: keep it, discard it (the segment
ends when the person left and the same work starts again now), or stop when they left; a bad `since` is a 422."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import TimeLog, utcnow
from app.timezones import iso
from tests.conftest import login


def _away(factory, minutes_running=60, left_after=20):
    """The member's timer on Alpha, running `minutes_running` minutes, left `left_after` minutes in."""
    from app.models import Tag, Task

    w = factory.world()
    task = Task(project_id=w.alpha_project.id, name="Design")
    tag = Tag(organization_id=w.org.id, name="meeting")
    factory.db.session.add_all([task, tag])
    factory.db.session.commit()
    start = (utcnow() - timedelta(minutes=minutes_running)).replace(microsecond=0)
    running = factory.time_log(w.member, w.alpha_project, start=start, minutes=None, description="Homepage",
                               billable=False, task_id=task.id, tags=[tag])
    return w, running, start + timedelta(minutes=left_after)


def _logs(factory, user):
    factory.db.session.expire_all()
    return list(factory.db.session.scalars(select(TimeLog).where(TimeLog.user_id == user.id)
                                           .where(TimeLog.project_id.is_not(None)).order_by(TimeLog.start_time)))


def test_keep_changes_nothing(client, factory):
    w, running, left = _away(factory)
    login(client, w.member)
    response = client.post("/time-logs/timer/idle", data={"action": "keep", "since": iso(left)})
    assert response.status_code == 303
    factory.db.session.expire_all()
    assert w.member.running_timer.id == running.id and w.member.running_timer.start_time == running.start_time
    assert "Idle time kept." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_discard_ends_the_segment_when_they_left_and_starts_the_same_work_now(client, factory):
    w, running, left = _away(factory)
    before = utcnow()
    login(client, w.member)
    response = client.post("/time-logs/timer/idle", data={"action": "discard", "since": iso(left)})
    assert response.status_code == 303
    factory.db.session.expire_all()
    first = factory.db.session.get(TimeLog, running.id)
    assert first.end_time == left and first.duration_minutes == 20
    now = w.member.running_timer
    assert now.id != first.id and before <= now.start_time <= utcnow()
    assert (now.project_id, now.description, now.billable, now.task_id, [t.id for t in now.tags]) == \
        (first.project_id, "Homepage", False, first.task_id, [t.id for t in first.tags])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Idle time discarded" in html and f'data-timer-start-value="{iso(now.start_time)}"' in html


def test_stop_ends_the_timer_when_they_left(client, factory):
    w, running, left = _away(factory)
    login(client, w.member)
    # the browser's own form: an ISO time with a Z and milliseconds (Date.toISOString)
    since = left.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    response = client.post("/time-logs/timer/idle", data={"action": "stop", "since": since})
    assert response.status_code == 303
    factory.db.session.expire_all()
    assert w.member.running_timer is None
    stopped = factory.db.session.get(TimeLog, running.id)
    assert stopped.end_time == left and stopped.duration_minutes == 20
    assert "Timer stopped when you left." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_discard_within_the_first_minute_keeps_no_empty_segment(client, factory):
    w, running, _ = _away(factory, minutes_running=15)
    login(client, w.member)
    since = iso(running.start_time + timedelta(seconds=20))
    assert client.post("/time-logs/timer/idle", data={"action": "discard", "since": since}).status_code == 303
    logs = _logs(factory, w.member)  # (SQLite may give the new segment the deleted one's id)
    assert [log.start_time for log in logs if log.start_time == running.start_time] == []
    assert w.member.running_timer is not None and w.member.running_timer.description == "Homepage"
    assert w.member.running_timer.start_time > running.start_time + timedelta(minutes=14)


@pytest.mark.parametrize("since, says", [
    (lambda start: iso(start - timedelta(minutes=1)), "before the timer started"),
    (lambda start: iso(utcnow() + timedelta(minutes=5)), "in the future"),
    (lambda start: "yesterday-ish", "ISO 8601"),
    (lambda start: "", "ISO 8601"),
])
def test_a_bad_since_is_a_422_and_changes_nothing(client, factory, since, says):
    w, running, _ = _away(factory)
    login(client, w.member)
    response = client.post("/time-logs/timer/idle", data={"action": "discard", "since": since(running.start_time)})
    assert response.status_code == 422 and says in response.get_data(as_text=True)
    factory.db.session.expire_all()
    assert w.member.running_timer.id == running.id and factory.db.session.get(TimeLog, running.id).end_time is None


def test_an_unknown_action_is_a_422_and_no_timer_a_409(client, factory):
    w, running, left = _away(factory)
    login(client, w.member)
    response = client.post("/time-logs/timer/idle", data={"action": "pause", "since": iso(left)})
    assert response.status_code == 422 and "Choose keep, discard or stop" in response.get_data(as_text=True)
    client.post("/time-logs/timer/stop")
    response = client.post("/time-logs/timer/idle", data={"action": "stop", "since": iso(left)})
    assert response.status_code == 409 and "No timer is running." in response.get_data(as_text=True)


def test_idle_minutes_is_a_setting_per_person_shown_to_the_idle_watch(client, factory):
    w, _, _ = _away(factory)
    login(client, w.member)
    html = client.get("/time-logs").get_data(as_text=True)
    assert 'data-idle-minutes-value="10"' in html
    bad = client.post("/settings/profile", data={"profile-name": "Mo", "profile-time_zone": "UTC",
                                                 "profile-idle_minutes": "0"})
    assert bad.status_code == 422 and "Between 1 and 240 minutes." in bad.get_data(as_text=True)
    ok = client.post("/settings/profile", data={"profile-name": "Mo", "profile-time_zone": "UTC",
                                                "profile-idle_minutes": "25"})
    assert ok.status_code == 303
    assert 'data-idle-minutes-value="25"' in client.get("/time-logs").get_data(as_text=True)
