"""The stream gateway (`flask gateway`) as a real process, with real sockets and a real Redis: who may
subscribe to what, a slow client dropped without delaying the others, reconnecting after a restart,
presence in Redis, and a lost membership that stops the streams."""
from __future__ import annotations

import re
import threading
import time
import urllib.request

import pytest
from freezegun import freeze_time
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.sockets import LIVE, close_code, first, open_socket, received, session_cookie, signed_cookie


def push(app, topic: str, text: str) -> None:
    """Publish a stream the way every process does (app/live/publisher.py, through Redis)."""
    from app.live.publisher import turbo

    with app.app_context():
        turbo.push(turbo.update(text, "probe"), to=topic)


def metrics(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


@pytest.fixture()
def gateway(start_gateway):
    return start_gateway(GATEWAY_RECHECK_SECONDS=1)


def test_each_role_gets_the_topics_its_policy_allows_and_nothing_else(app, factory, gateway):
    w = factory.world()
    alpha = f"dashboard:team:{w.alpha.id}"
    manager = open_socket(gateway.port, session_cookie(app, w.manager.id), alpha, f"dashboard:org:{w.org.id}",
                          f"user:{w.owner.id}")  # manages Alpha; not org-wide; not the owner
    owner = open_socket(gateway.port, session_cookie(app, w.owner.id), alpha, f"dashboard:org:{w.org.id}")
    beta = open_socket(gateway.port, session_cookie(app, w.beta_member.id), alpha)  # not in Alpha
    outsider = open_socket(gateway.port, session_cookie(app, w.outsider.id), alpha)  # a foreign team's topic
    try:
        assert first(manager, LIVE) and first(owner, LIVE)
        assert close_code(beta) == 1008
        assert close_code(outsider) == 1008
        push(app, f"dashboard:org:{w.org.id}", "org figures")
        push(app, f"user:{w.owner.id}", "the owner's timer")
        push(app, alpha, "alpha figures")
        assert first(owner, "org figures")
        got = received(manager, timeout=2)
        assert any("alpha figures" in m for m in got), "the allowed topic is delivered"
        assert not any("org figures" in m or "owner's timer" in m for m in got), "refused topics are not"
    finally:
        for ws in (manager, owner):
            ws.close()


def test_a_forged_expired_or_revoked_cookie_or_a_deleted_record_gets_1008(app, db, factory, gateway):
    w = factory.world()
    topic = f"dashboard:org:{w.org.id}"
    token = w.owner.get_id()
    forged = "session=" + signed_cookie(app, {"_user_id": token}).split("=", 1)[1][:-4] + "AAAA"
    with freeze_time("2020-01-01"):
        expired = signed_cookie(app, {"_user_id": token})  # older than the session lifetime
    for cookie in (forged, expired, "", "session=not-a-cookie"):
        assert close_code(open_socket(gateway.port, cookie, topic)) == 1008, cookie

    old = session_cookie(app, w.owner.id)
    w.owner.revoke_sessions()  # signed out everywhere
    db.session.commit()
    assert close_code(open_socket(gateway.port, old, topic)) == 1008

    gone = factory.team(w.org, name="Gone")
    gone_topic = f"dashboard:team:{gone.id}"
    db.session.delete(gone)
    db.session.commit()
    for bad in (gone_topic, "dashboard:team:999999", "dashboard:team:abc", "nonsense"):
        assert close_code(open_socket(gateway.port, session_cookie(app, w.admin.id), bad)) == 1008, bad


def test_a_page_of_another_site_is_refused_before_the_upgrade(app, factory, gateway):
    w = factory.world()
    cookie, topic = session_cookie(app, w.owner.id), f"dashboard:org:{w.org.id}"
    with pytest.raises(InvalidStatus) as refused:
        open_socket(gateway.port, cookie, topic, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    ours = open_socket(gateway.port, cookie, topic, origin="http://127.0.0.1:5000")  # the web process's page
    assert first(ours, LIVE)
    ours.close()


def test_without_the_development_switch_only_the_exact_origin_is_ours(app, factory, start_gateway):
    """In production another port of the same host is another application: its pages are refused."""
    w = factory.world()
    cookie, topic = session_cookie(app, w.owner.id), f"dashboard:org:{w.org.id}"
    strict = start_gateway(GATEWAY_SAME_HOST_ANY_PORT="0", ALLOWED_ORIGINS="https://timeboard.example")
    with pytest.raises(InvalidStatus) as refused:
        open_socket(strict.port, cookie, topic, origin="http://127.0.0.1:8080")
    assert refused.value.response.status_code == 403
    for origin in (f"http://127.0.0.1:{strict.port}", "https://timeboard.example"):  # behind the proxy; listed
        ours = open_socket(strict.port, cookie, topic, origin=origin)
        assert first(ours, LIVE)
        ours.close()


def test_a_client_that_stops_reading_while_rows_pile_up_is_dropped_and_the_others_get_every_message(app, factory,
                                                                                                     gateway):
    w = factory.world()
    topic = f"dashboard:org:{w.org.id}"
    reader = open_socket(gateway.port, session_cookie(app, w.owner.id), topic)
    slow = open_socket(gateway.port, session_cookie(app, w.admin.id), topic, max_queue=1)  # never reads again
    assert first(reader, LIVE) and first(slow, LIVE)
    count, padding = 1200, "x" * 16_000  # ~19 MB: more than the slow client's socket buffers hold
    received: list[int] = []

    def read() -> None:
        while len(received) < count:
            try:
                message = reader.recv(timeout=30)
            except (TimeoutError, ConnectionClosed):
                return
            if "message " in message:
                received.append(int(message.split("message ", 1)[1].split(" ", 1)[0]))

    thread = threading.Thread(target=read)
    thread.start()
    from app.live.publisher import turbo

    with app.app_context():
        for i in range(count):
            turbo.push(turbo.append(f"message {i} {padding}", "probe"), to=topic)  # appends: none supersedes another
            if i % 50 == 49:
                time.sleep(0.02)  # a busy publisher, not an infinitely fast one
    thread.join(timeout=60)
    try:
        assert received == list(range(count)), "the reading client got every message, in order"
        assert close_code(slow, timeout=30) in (1013, None), "the slow client was closed"
        figures = metrics(gateway.port)
        assert metric(figures, "timeboard_gateway_slow_clients_dropped_total") == 1
        assert metric(figures, "timeboard_gateway_messages_delivered_total") >= count
        assert metric(figures, "timeboard_gateway_delivery_latency_seconds_count") >= count
    finally:
        reader.close()


def test_a_slow_client_is_sent_the_latest_of_each_target_instead_of_being_dropped(app, factory, gateway):
    """The same target replaced over and over (a dashboard section, a job's row): a client that stops reading keeps
    only the last one waiting, stays connected, and gets it when it reads again."""
    w = factory.world()
    topic = f"dashboard:org:{w.org.id}"
    slow = open_socket(gateway.port, session_cookie(app, w.admin.id), topic, max_queue=1)  # reads only at the end
    assert first(slow, LIVE)
    count, padding = 1200, "x" * 16_000  # ~19 MB, as above: far more than a socket's buffers and the backlog hold
    from app.live.publisher import turbo

    with app.app_context():
        for i in range(count):
            turbo.push(turbo.update(f"message {i} {padding}", "probe"), to=topic)
            if i % 50 == 49:
                time.sleep(0.02)
    try:
        numbers: list[int] = []
        deadline = time.time() + 30
        while (not numbers or numbers[-1] != count - 1) and time.time() < deadline:
            for message in received(slow, 0.5):
                numbers += [int(n) for n in re.findall(r"message (\d+) ", message)]
        assert numbers and numbers[-1] == count - 1, "the last update arrived"
        assert len(numbers) < count, "superseded updates were left out"
        assert numbers == sorted(numbers)
        figures = metrics(gateway.port)
        assert metric(figures, "timeboard_gateway_slow_clients_dropped_total") == 0
        assert metric(figures, "timeboard_gateway_superseded_streams_dropped_total") > 0
    finally:
        slow.close()


def test_a_hidden_page_gets_coalesced_updates_and_everything_at_once_when_seen_again(app, factory, gateway):
    w = factory.world()
    topic = f"dashboard:org:{w.org.id}"
    seen = open_socket(gateway.port, session_cookie(app, w.owner.id), topic)
    hidden = open_socket(gateway.port, session_cookie(app, w.admin.id), topic)
    try:
        assert first(seen, LIVE) and first(hidden, LIVE)
        hidden.send("hidden")  # what the page says when its tab goes to the background
        deadline = time.time() + 5
        while metric(metrics(gateway.port), "timeboard_gateway_hidden_sockets") < 1 and time.time() < deadline:
            time.sleep(0.05)
        with app.app_context():
            from app.live.publisher import turbo
            for i in range(10):
                turbo.push(turbo.update(f"message {i} ", "probe"), to=topic)
                turbo.push(turbo.append(f"row {i} ", "rows"), to=topic)
        assert first(seen, "message 9 "), "the visible page gets each one at once"
        assert not [m for m in received(hidden, 1) if "message" in m], "the hidden page waits"
        hidden.send("visible")
        caught_up = first(hidden, "message 9 ")
        assert caught_up and "message 8 " not in caught_up, "one frame with the latest of each target"
        assert re.findall(r"row (\d+) ", caught_up) == [str(i) for i in range(10)], "and every row, in order"
        assert metric(metrics(gateway.port), "timeboard_gateway_superseded_streams_dropped_total") >= 9
    finally:
        seen.close()
        hidden.close()


def test_a_client_reconnects_after_the_gateway_restarts_and_receives_again(app, factory, start_gateway):
    w = factory.world()
    topic = f"dashboard:org:{w.org.id}"
    cookie = session_cookie(app, w.owner.id)
    gateway = start_gateway()
    ws = open_socket(gateway.port, cookie, topic)
    assert first(ws, LIVE)
    gateway.stop()
    assert close_code(ws) in (1001, None), "the gateway going away closes the socket"

    start_gateway(port=gateway.port)
    ws = open_socket(gateway.port, cookie, topic)  # what the page's controller does, with backoff
    try:
        assert first(ws, LIVE)
        push(app, topic, "after the restart")
        assert first(ws, "after the restart")
    finally:
        ws.close()


def test_presence_is_set_with_an_expiry_kept_while_open_and_expires_after_close(app, factory, redis_conn,
                                                                                start_gateway):
    from app.live.presence import presence_key

    w = factory.world()
    gateway = start_gateway(PRESENCE_TTL=3)  # refreshed every second
    topic = f"dashboard:team:{w.alpha.id}"
    key = presence_key(topic)
    assert redis_conn.get(key) is None
    ws = open_socket(gateway.port, session_cookie(app, w.manager.id), topic)
    assert first(ws, LIVE)
    assert redis_conn.get(key) == b"1"  # marked before "live" was sent: a job right after it renders for it
    assert 0 < redis_conn.ttl(key) <= 3
    time.sleep(4)  # longer than the TTL: the gateway keeps setting it while the socket is open
    assert redis_conn.get(key) == b"1"
    ws.close()
    assert wait_until(lambda: redis_conn.get(key) is None), "the key expires once no socket holds the topic"
    assert redis_conn.get(presence_key(f"dashboard:team:{w.beta.id}")) is None


def test_a_lost_team_stops_its_stream_and_a_removed_member_is_closed(app, db, factory, gateway):
    from sqlalchemy import delete

    from app.models import TeamMembership

    w = factory.world()
    alpha, own = f"dashboard:team:{w.alpha.id}", f"user:{w.manager.id}"
    manager = open_socket(gateway.port, session_cookie(app, w.manager.id), alpha, own)
    member = open_socket(gateway.port, session_cookie(app, w.admin.id), f"dashboard:org:{w.org.id}")
    try:
        assert first(manager, LIVE) and first(member, LIVE)
        db.session.execute(delete(TeamMembership).where(TeamMembership.user_id == w.manager.id))
        db.session.commit()  # no longer manages Alpha; still signed in
        time.sleep(2.5)  # more than the re-check interval (1 s here, 30 s by default)
        push(app, alpha, "alpha after")
        push(app, own, "own timer")
        got = received(manager, timeout=3)
        assert any("own timer" in m for m in got), "the socket stays open for the topics the user keeps"
        assert not any("alpha after" in m for m in got), "the lost topic is no longer delivered"

        w.org.remove_member(w.admin)  # their only topic is lost: the socket is closed (they stay signed in)
        db.session.commit()
        assert close_code(member) == 1008
    finally:
        manager.close()


def test_a_removed_or_demoted_member_loses_the_organizations_topics_at_once(app, db, factory, start_gateway):
    """Issue 11: with the default 30 s sweep, the services' recheck_user message makes the gateway check that
    user's sockets now: the organization's topics stop, the topics they keep go on, other users are untouched."""
    from app.organizations.people import change_role, remove_member

    gateway = start_gateway()  # GATEWAY_RECHECK_SECONDS: the default 30
    w = factory.world()
    org, own = f"dashboard:org:{w.org.id}", f"user:{w.admin.id}"
    admin = open_socket(gateway.port, session_cookie(app, w.admin.id), org, own)
    owner = open_socket(gateway.port, session_cookie(app, w.owner.id), org)
    other_admin = factory.user(w.org, "admin")
    other = open_socket(gateway.port, session_cookie(app, other_admin.id), org)
    try:
        assert first(admin, LIVE) and first(owner, LIVE) and first(other, LIVE)
        change_role(w.owner, w.org, w.org.membership_of(w.admin.id), "member")
        time.sleep(1)
        push(app, org, "org after")
        push(app, own, "own timer")
        got = received(admin, timeout=1.5)
        assert any("own timer" in m for m in got) and not any("org after" in m for m in got)
        assert any("org after" in m for m in received(owner, timeout=1))
        assert any("org after" in m for m in received(other, timeout=1))
        remove_member(w.owner, w.org, w.org.membership_of(other_admin.id))
        assert close_code(other, timeout=5) == 1008  # its only topic lost, within seconds, not 30
    finally:
        for ws in (admin, owner):
            ws.close()


def test_pages_are_told_live_updates_are_paused_while_the_gateway_has_lost_redis(app, factory, start_gateway):
    from tests.integration.test_redis_outage import RedisServer

    w = factory.world()
    own_redis = RedisServer()
    try:
        gateway = start_gateway(REDIS_URL=own_redis.url)
        ws = open_socket(gateway.port, session_cookie(app, w.owner.id), f"dashboard:org:{w.org.id}")
        assert "live" in first(ws, LIVE)
        own_redis.stop()
        assert first(ws, "live updates paused", timeout=15)
        own_redis.start()
        back = first(ws, LIVE, timeout=30)
        assert back and "paused" not in back, "live again once the gateway has resubscribed"
        ws.close()
        output = gateway.output()  # one line each way, not one per retry
        assert output.count("stream gateway: lost Redis") == 1 and output.count("stream gateway: Redis is back") == 1
    finally:
        own_redis.stop()


def test_metrics_need_the_bearer_token_when_one_is_set(start_gateway):
    gateway = start_gateway(METRICS_TOKEN="s3cret")
    with pytest.raises(urllib.error.HTTPError) as refused:
        metrics(gateway.port)
    assert refused.value.code == 403
    request = urllib.request.Request(f"http://127.0.0.1:{gateway.port}/metrics",
                                     headers={"Authorization": "Bearer s3cret"})
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read().decode()
    assert "timeboard_gateway_sockets 0.0" in text
    assert "timeboard_gateway_delivery_latency_seconds_bucket" in text


def wait_until(condition, timeout: float = 10) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
