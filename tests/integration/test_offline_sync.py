"""Issue 24: timer changes made offline, POST /time-logs/timer/sync. Each is applied at the moment it was made, in
order; sending the same queue again changes nothing; a change that would rewrite what another device did since,
one on a locked day, too old or dated in the future is refused with its reason, and the others still apply."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import TimeLog, utcnow
from app.timezones import iso
from tests.conftest import login


def _at(minutes_ago: float):
    return (utcnow() - timedelta(minutes=minutes_ago)).replace(microsecond=0)


def _logs(factory, user):
    factory.db.session.expire_all()
    return list(factory.db.session.scalars(select(TimeLog).where(TimeLog.user_id == user.id)
                                           .order_by(TimeLog.start_time)))


def _sync(client, *actions):
    return client.post("/time-logs/timer/sync", json={"actions": list(actions)})


def _statuses(response):
    return [(result["id"], result["status"]) for result in response.get_json()["results"]]


def test_a_stop_and_a_start_made_offline_keep_their_own_times(client, factory):
    w = factory.world()
    running = factory.time_log(w.member, w.alpha_project, start=_at(90), minutes=None)
    stopped_at, started_at = _at(30), _at(20)
    login(client, w.member)
    response = _sync(client,
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
    response = _sync(client, {"id": "s", "kind": "start", "at": iso(switched), "project_id": w.org_project.id})
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
    assert _statuses(_sync(client, *queue)) == [("1", "applied"), ("2", "applied"), ("3", "applied")]
    before = [(log.project_id, log.start_time, log.end_time) for log in _logs(factory, w.member)]
    again = _sync(client, *queue)  # the reply was lost on a flaky connection: the page sends the queue again
    assert _statuses(again) == [("1", "already"), ("2", "already"), ("3", "already")]
    assert [(log.project_id, log.start_time, log.end_time) for log in _logs(factory, w.member)] == before


def test_a_change_older_than_what_another_device_did_since_is_refused_and_the_rest_applies(client, factory):
    w = factory.world()
    # on the laptop, the person switched to Internal 10 minutes ago; the phone, offline, stopped at 20 minutes ago
    factory.time_log(w.member, w.alpha_project, start=_at(90), minutes=80)
    laptop = factory.time_log(w.member, w.org_project, start=_at(10), minutes=None)
    login(client, w.member)
    just_now = _at(1)
    response = _sync(client, {"id": "old", "kind": "stop", "at": iso(_at(20))},
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
    factory.db.session.commit()
    login(client, w.member)
    response = _sync(client,
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
    assert w.member.running_timer.project_id == w.alpha_project.id  # only the one that could apply
    assert [log.project_id for log in _logs(factory, w.member)].count(w.alpha_project.id) == 2  # + the world's


def test_a_malformed_queue_is_a_clear_4xx_and_changes_nothing(client, factory):
    w = factory.world()
    login(client, w.member)
    before = len(_logs(factory, w.member))
    for body, status in [(b"not json", 400), (b'{"actions": []}', 422), (b'{"actions": [{"kind": "start"}]}', 422),
                         (b'{"actions": [{"id": "x", "kind": "pause", "at": "2026-01-01T00:00:00Z"}]}', 422),
                         (b"[" * 100_000, 413)]:
        response = client.post("/time-logs/timer/sync", data=body, content_type="application/json")
        assert response.status_code == status and response.get_json()["error"]
    assert len(_logs(factory, w.member)) == before


def test_signed_out_the_sync_asks_to_sign_in_and_the_token_is_fresh_and_never_cached(client, factory):
    w = factory.world()
    assert client.get("/time-logs/timer/sync").status_code == 302
    assert client.post("/time-logs/timer/sync", json={"actions": []}).status_code == 303
    login(client, w.member)
    response = client.get("/time-logs/timer/sync")
    assert response.status_code == 200 and response.get_json()["csrf_token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_done_on_a_paused_timer_made_offline_ends_the_pause(client, factory):
    w = factory.world()
    paused = factory.time_log(w.member, w.alpha_project, start=_at(90), minutes=30, paused=True)
    login(client, w.member)
    queue = {"id": "done", "kind": "stop", "at": iso(_at(5))}
    assert _statuses(_sync(client, queue)) == [("done", "applied")]
    factory.db.session.expire_all()
    assert w.member.paused_timer is None and factory.db.session.get(TimeLog, paused.id).end_time == _at(60)
    assert _statuses(_sync(client, queue)) == [("done", "already")]
