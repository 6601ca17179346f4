"""Presence: jobs render and publish only for topics an open socket watches (app/live/presence.py).

A job change reaches only the job monitors someone has open; a dashboard nobody has open is not
computed but marked stale, and its next page view shows the old figures with their age, watches the
dashboard and recomputes it; a web process's own sockets keep their topics marked, and the mark
expires once they close; when Redis cannot answer, everything counts as watched.
"""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import redis as redis_lib
from sqlalchemy import select

from app.background.catalog import DASHBOARD_KINDS
from app.live import presence
from app.live.publisher import CHANNEL
from app.models import JobStatus, utcnow
from tests.integration.test_dashboard_pages import client_for
from tests.integration.test_dashboard_streams import connect, wait_for
from tests.processes import free_port


@pytest.fixture()
def channel(redis_conn):
    """Subscribe to the relay channel now; drain() returns every message published since."""
    pubsub = redis_conn.pubsub()
    pubsub.subscribe(CHANNEL)
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"

    def drain(seconds: float = 1.0) -> list[dict]:
        messages, deadline = [], time.time() + seconds
        while time.time() < deadline:
            message = pubsub.get_message(timeout=0.1)
            if message and message["type"] == "message":
                messages.append(json.loads(message["data"]))
        return messages

    yield drain
    pubsub.close()


def test_a_job_change_is_published_to_the_watched_monitors_only(app, db, factory, channel, watch):
    from app.background.enqueue import enqueue

    w = factory.world()
    watch("jobs:all")  # a system admin has /jobs open; the member does not
    enqueue("cleanup", user_id=w.member.id)
    topics = {t for m in channel() for t in m.get("topics", ())}
    assert topics == {"jobs:all"}


def test_a_job_change_nobody_watches_is_not_published(app, db, factory, channel):
    from app.background.enqueue import enqueue

    w = factory.world()
    enqueue("cleanup", user_id=w.member.id)
    assert channel() == []


def test_an_unwatched_dashboard_job_computes_nothing_and_the_next_page_view_recomputes(app, db, factory, run_jobs,
                                                                                      channel, redis_conn):
    from app.background.enqueue import enqueue
    from app.dashboards import cache, registry
    from app.live.topics import DashboardKey

    w = factory.world()
    org_id, owner = w.org.id, client_for(app, w.owner)
    key = DashboardKey("org", org_id)
    ctx, two_minutes_ago = registry.context(key), utcnow() - timedelta(minutes=2)
    for section in registry.sections("org"):
        cache.store(key, section.name, section.compute(ctx), computed_at=two_minutes_ago)
    enqueue("dashboard_data", str(key), key=str(key))
    run_jobs()

    assert channel() == []  # nothing rendered for it
    assert cache.load(key, ["org_summary"])["org_summary"].computed_at == two_minutes_ago  # nothing computed
    assert cache.is_stale(key)

    html = owner.get(f"/dashboard/org/{org_id}").get_data(as_text=True)  # the old figures, with their age
    assert 'data-testid="dashboard-metrics"' in html and "updated 2 min ago" in html
    assert 'data-testid="dashboard-loading"' in html and "Refreshing metrics" in html
    assert presence.is_watched(key)  # the page watches it from now on: its job does not skip it
    pending = db.session.scalars(select(JobStatus).where(JobStatus.coalesce_key == str(key),
                                                         JobStatus.status == "pending")).all()
    assert len(pending) == 1
    catch_up = owner.get("/dashboard/sections", query_string={"key": str(key)}).get_data(as_text=True)
    assert catch_up.count("<turbo-stream") == 1 and "progress" in catch_up  # the page has these old sections
    run_jobs()

    streamed = [m["stream"] for m in channel() if m.get("topics") == [str(key)]]
    assert any('data-testid="dashboard-metrics"' in s and "updated just now" in s for s in streamed)
    assert not cache.is_stale(key)
    html = owner.get(f"/dashboard/org/{org_id}").get_data(as_text=True)
    assert 'data-testid="dashboard-loading"' not in html and "updated just now" in html


def test_a_stale_dashboard_whose_page_asks_to_catch_up_gets_a_recompute(app, db, factory, run_jobs):
    """A change made while nobody watched (say the socket was away longer than the presence expiry) only
    marked it stale: the page's catch-up must then ask for the recompute itself, or it would wait forever."""
    from app.dashboards import cache
    from app.live.topics import DashboardKey

    w = factory.world()
    key, owner = DashboardKey("org", w.org.id), client_for(app, w.owner)
    owner.get(f"/dashboard/org/{w.org.id}")
    run_jobs()  # the page view's own recompute: fresh and cached
    cache.mark_stale([key])  # then a change nobody watched
    assert owner.get("/dashboard/sections", query_string={"key": str(key)}).status_code == 200
    pending = db.session.scalars(select(JobStatus).where(JobStatus.coalesce_key == str(key),
                                                         JobStatus.status == "pending")).all()
    assert len(pending) == 1
    run_jobs()
    assert not cache.is_stale(key)


def test_a_change_to_an_unwatched_dashboard_marks_it_stale_without_a_job(app, db, factory, watch):
    from app.dashboards import cache, invalidation
    from app.live.topics import DashboardKey

    w = factory.world()
    watched, unwatched = DashboardKey("org", w.org.id), DashboardKey("team", w.alpha.id)
    watch(watched)
    assert invalidation.mark_dirty([watched, unwatched]) == 1
    assert db.session.scalars(select(JobStatus.coalesce_key).where(JobStatus.kind.in_(DASHBOARD_KINDS))).all() \
        == [str(watched)]
    assert cache.is_stale(unwatched) and not cache.is_stale(watched)


def test_presence_expires_after_its_ttl(app_ctx, monkeypatch):
    monkeypatch.setattr(presence, "PRESENCE_TTL", 1)
    presence.mark_watched(["jobs:all"])
    assert presence.watched(["jobs:all", "jobs:user:1"]) == {"jobs:all"}
    deadline = time.time() + 5
    while presence.is_watched("jobs:all") and time.time() < deadline:
        time.sleep(0.2)
    assert not presence.is_watched("jobs:all")


def test_presence_fails_open_when_redis_cannot_answer():
    down = redis_lib.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    assert presence.is_watched("dashboard:system", connection=down)
    assert presence.watched(["jobs:all", "user:1"], connection=down) == {"jobs:all", "user:1"}


def test_a_gateway_keeps_its_sockets_topics_marked_until_they_close(app, db, factory, start_gateway, redis_conn):
    port = start_gateway(PRESENCE_TTL="3").port  # the gateway refreshes every second, and a mark lives 3 s
    w = factory.world()
    key = presence.presence_key(f"jobs:user:{w.member.id}")
    ws = connect(app, port, w.member.id, f"jobs:user:{w.member.id}")
    try:
        assert wait_for(ws, 'target="stream-status"')
        assert redis_conn.exists(key)
        redis_conn.delete(key)
        assert eventually(lambda: redis_conn.exists(key), 5), "refreshed while the socket is open"
    finally:
        ws.close()
    assert eventually(lambda: not redis_conn.exists(key), 10), "expired once the socket closed"


def eventually(check, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False
