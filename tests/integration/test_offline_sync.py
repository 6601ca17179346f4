"""Issue 24: timer changes made offline, POST /time-logs/timer/sync. Each is applied at the moment it was made, in
order; sending the same queue again changes nothing; a change that would rewrite what another device did since,
one on a locked day, too old or dated in the future is refused with its reason, and the others still apply."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.models import Role, TimeLog, utcnow
from app.timezones import iso
from tests.conftest import login


def _at(minutes_ago: float):
    return (utcnow() - timedelta(minutes=minutes_ago)).replace(microsecond=0)


def _logs(factory, user):
    factory.db.session.expire_all()
    return list(factory.db.session.scalars(select(TimeLog).where(TimeLog.user_id == user.id)
                                           .order_by(TimeLog.start_time)))


def _sync(client, user, *actions):
    return client.post("/time-logs/timer/sync", json={"user_id": user.id, "actions": list(actions)})


def _statuses(response):
    return [(result["id"], result["status"]) for result in response.get_json()["results"]]


def test_a_stop_and_a_start_made_offline_keep_their_own_times(client, factory):
    w = factory.world()
    running = factory.time_log(w.member, w.alpha_project, start=_at(90), minutes=None)
    stopped_at, started_at = _at(30), _at(20)
    login(client, w.member)
    response = _sync(client, w.member,
                     {"id": "a1", "kind": "stop", "at": iso(stopped_at)},
                     {"id": "a2", "kind": "start", "at": iso(started_at), "project_id": w.org_project.id,
                      "description": "On the train"})
    assert response.status_code == 200 and _statuses(response) == [("a1", "applied"), ("a2", "applied")]
    factory.db.session.expire_all()
    first = factory.db.session.get(TimeLog, running.id)
    assert first.end_time == stopped_at and first.duration_minutes == 60
    now = w.member.running_timer
    assert (now.project_id, now.start_time, now.description) == (w.org_project.id, started_at, "On the train")
    page = client.get("/time-logs").get_data(as_text=True)  # what the person reads next: each change's outcome
    assert "Timer stopped at" in page and f"60 min on {w.alpha_project.name}" in page
    assert f"Timer started on {w.org_project.name} at" in page


def test_a_start_while_a_timer_ran_switches_at_that_moment(client, factory):
    w = factory.world()
    running = factory.time_log(w.member, w.alpha_project, start=_at(120), minutes=None)
    login(client, w.member)
    switched = _at(45)
    response = _sync(client, w.member,
                     {"id": "s", "kind": "start", "at": iso(switched), "project_id": w.org_project.id})
    assert _statuses(response) == [("s", "applied")]
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, running.id).end_time == switched
    assert w.member.running_timer.start_time == switched


def test_the_same_queue_sent_twice_changes_nothing_the_second_time(client, factory):
    w = factory.world()
    factory.time_log(w.member, w.alpha_project, start=_at(90), minutes=None)
    login(client, w.member)
    queue = [{"id": "1", "kind": "stop", "at": iso(_at(60))},
             {"id": "2", "kind": "start", "at": iso(_at(50)), "project_id": w.org_project.id},
             {"id": "3", "kind": "stop", "at": iso(_at(10))}]
    assert _statuses(_sync(client, w.member, *queue)) == [("1", "applied"), ("2", "applied"), ("3", "applied")]
    before = [(log.project_id, log.start_time, log.end_time) for log in _logs(factory, w.member)]
    again = _sync(client, w.member, *queue)  # the reply was lost on a flaky connection: the page sends the queue again
    assert _statuses(again) == [("1", "already"), ("2", "already"), ("3", "already")]
    assert [(log.project_id, log.start_time, log.end_time) for log in _logs(factory, w.member)] == before


def test_a_change_older_than_what_another_device_did_since_is_refused_and_the_rest_applies(client, factory):
    w = factory.world()
    # on the laptop, the person switched to Internal 10 minutes ago; the phone, offline, stopped at 20 minutes ago
    factory.time_log(w.member, w.alpha_project, start=_at(90), minutes=80)
    laptop = factory.time_log(w.member, w.org_project, start=_at(10), minutes=None)
    login(client, w.member)
    just_now = _at(1)
    response = _sync(client, w.member, {"id": "old", "kind": "stop", "at": iso(_at(20))},
                     {"id": "late", "kind": "start", "at": iso(_at(15)), "project_id": w.org_project.id},
                     {"id": "now", "kind": "stop", "at": iso(just_now)})
    assert _statuses(response) == [("old", "refused"), ("late", "refused"), ("now", "applied")]
    assert "on another device" in response.get_json()["results"][1]["message"]
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, laptop.id).end_time == just_now
    assert w.member.running_timer is None


def test_refused_changes_say_why(client, factory):
    w = factory.world()
    w.org.lock_date = (utcnow() - timedelta(days=2)).date()  # nothing on or before two days ago changes
    newcomer = factory.user(w.org, Role.MEMBER, teams=[w.alpha])  # nothing logged yet: no overlap to refuse for
    factory.db.session.commit()
    login(client, newcomer)
    response = _sync(client, newcomer,
                     {"id": "future", "kind": "start", "at": iso(utcnow() + timedelta(minutes=30)),
                      "project_id": w.alpha_project.id},
                     {"id": "old", "kind": "start", "at": iso(utcnow() - timedelta(days=8)),
                      "project_id": w.alpha_project.id},
                     {"id": "locked", "kind": "start", "at": iso(utcnow() - timedelta(days=3)),
                      "project_id": w.alpha_project.id},
                     {"id": "theirs", "kind": "start", "at": iso(_at(5)), "project_id": w.other_project.id},
                     {"id": "garbled", "kind": "stop", "at": "yesterday-ish"},
                     {"id": "ok", "kind": "start", "at": iso(_at(5)), "project_id": w.alpha_project.id})
    results = {result["id"]: result for result in response.get_json()["results"]}
    assert [results[key]["status"] for key in ("future", "old", "locked", "theirs", "garbled", "ok")] == \
        ["refused"] * 5 + ["applied"]
    assert "future" in results["future"]["message"] and "older than 7 days" in results["old"]["message"]
    assert "lock date" in results["locked"]["message"] and "not one you can track" in results["theirs"]["message"]
    assert newcomer.running_timer.project_id == w.alpha_project.id  # only the one that could apply
    assert len(_logs(factory, newcomer)) == 1


def test_a_malformed_queue_is_a_clear_4xx_and_changes_nothing(client, factory):
    w = factory.world()
    login(client, w.member)
    before = len(_logs(factory, w.member))
    me = w.member.id
    for body, status in [(b"not json", 400), (b'{"actions": []}', 422), (b'{"user_id": "%d"}' % me, 422),
                         (b'{"user_id": %d, "actions": []}' % me, 422),
                         (b'{"user_id": %d, "actions": [{"kind": "start"}]}' % me, 422),
                         (b'{"user_id": %d, "actions": [{"id": "x", "kind": "pause", "at": "2026-01-01T00:00Z"}]}' % me,
                          422),
                         (b'{"user_id": %d, "actions": %s}' % (me, b"[" + b",".join(
                             b'{"id": "%d", "kind": "stop", "at": "2026-01-01T00:00Z"}' % i for i in range(101))
                          + b"]"), 422),
                         (b"[" * 100_000, 413)]:
        response = client.post("/time-logs/timer/sync", data=body, content_type="application/json")
        assert response.status_code == status and response.get_json()["error"], (body[:60], response.status_code)
    # not JSON at all: JSON bodies alone are checked for NUL bytes before any view (app/web/input_guard.py)
    text = client.post("/time-logs/timer/sync", data=f'{{"user_id": {me}, "actions": []}}',
                       content_type="text/plain")
    assert text.status_code == 415
    assert len(_logs(factory, w.member)) == before
    page = client.get("/time-logs").get_data(as_text=True)  # the page the person sees next says why
    assert "Timer changes made offline could not be saved" in page


def test_bad_values_in_a_change_are_refused_never_a_500(client, factory):
    w = factory.world()
    login(client, w.member)
    response = _sync(client, w.member,
                     {"id": "overflow", "kind": "stop", "at": "0001-01-01T00:00:00+01:00"},
                     {"id": "tags", "kind": "start", "at": iso(_at(5)), "project_id": w.alpha_project.id,
                      "tag_ids": 5},
                     {"id": "task", "kind": "start", "at": iso(_at(5)), "project_id": w.alpha_project.id,
                      "task_id": "x"},
                     {"id": "words", "kind": "start", "at": iso(_at(5)), "project_id": w.alpha_project.id,
                      "description": ["not", "text"]},
                     {"id": "project", "kind": "start", "at": iso(_at(5)), "project_id": {"id": 1}})
    assert response.status_code == 200
    assert [status for _, status in _statuses(response)] == ["refused"] * 5
    assert w.member.running_timer is None


def test_another_accounts_queue_waits_for_its_maker(client, factory):
    """A page a previous person left on a shared device: its changes are theirs, never the one signed in now."""
    w = factory.world()
    login(client, w.member)
    response = client.post("/time-logs/timer/sync", json={"user_id": w.manager.id, "actions": [
        {"id": "1", "kind": "start", "at": iso(_at(5)), "project_id": w.alpha_project.id}]})
    assert response.status_code == 409 and "another account" in response.get_json()["error"]
    factory.db.session.expire_all()
    assert w.member.running_timer is None and w.manager.running_timer is None


def test_a_start_that_would_overlap_time_logged_since_on_another_device_is_refused(client, factory):
    w = factory.world()
    logged = factory.time_log(w.member, w.alpha_project, start=_at(40), minutes=10)  # the laptop, meanwhile
    planned = factory.time_log(w.member, w.alpha_project, start=utcnow() + timedelta(hours=2), minutes=30)
    login(client, w.member)
    response = _sync(client, w.member, {"id": "early", "kind": "start", "at": iso(_at(50)),
                                        "project_id": w.org_project.id},
                     {"id": "after", "kind": "start", "at": iso(_at(20)), "project_id": w.org_project.id})
    assert _statuses(response) == [("early", "refused"), ("after", "applied")]  # a planned entry does not count
    assert "would overlap the time logged from" in response.get_json()["results"][0]["message"]
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, logged.id).end_time == logged.end_time
    assert factory.db.session.get(TimeLog, planned.id) is not None


def test_signed_out_the_sync_asks_to_sign_in_and_the_token_is_fresh_and_never_cached(client, factory):
    w = factory.world()
    for _ in range(3):  # a page asks every few seconds: a 401 each time, no "please sign in" piling up
        asked = client.get("/time-logs/timer/sync")
        assert asked.status_code == 401 and asked.get_json()["error"]
    assert client.post("/time-logs/timer/sync", json={"actions": []}).status_code == 303
    login(client, w.member)
    assert client.get("/time-logs").get_data(as_text=True).count("Please") <= 1
    response = client.get("/time-logs/timer/sync")
    assert response.status_code == 200 and response.get_json()["csrf_token"]
    assert response.get_json()["user_id"] == w.member.id and response.headers["Cache-Control"] == "no-store"


def test_the_sync_needs_the_sessions_csrf_token(csrf_app, factory):
    w = factory.world()
    client = csrf_app.test_client()
    sign_in_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', sign_in_page)[1]
    client.post("/login", data={"email": w.member.email, "password": "password", "csrf_token": token})
    queue = {"user_id": w.member.id, "actions": [{"id": "1", "kind": "start", "at": iso(_at(5)),
                                                   "project_id": w.alpha_project.id}]}
    assert client.post("/time-logs/timer/sync", json=queue).status_code == 400
    token = client.get("/time-logs/timer/sync").get_json()["csrf_token"]
    sent = client.post("/time-logs/timer/sync", json=queue, headers={"X-CSRFToken": token})
    assert sent.status_code == 200 and _statuses(sent) == [("1", "applied")]


def test_done_on_a_paused_timer_made_offline_ends_the_pause(client, factory):
    w = factory.world()
    paused = factory.time_log(w.member, w.alpha_project, start=_at(90), minutes=30, paused=True)
    login(client, w.member)
    queue = {"id": "done", "kind": "stop", "at": iso(_at(5))}
    assert _statuses(_sync(client, w.member, queue)) == [("done", "applied")]
    factory.db.session.expire_all()
    assert w.member.paused_timer is None and factory.db.session.get(TimeLog, paused.id).end_time == _at(60)
    assert _statuses(_sync(client, w.member, queue)) == [("done", "already")]
