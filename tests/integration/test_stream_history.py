"""Stream history and resume (app/live/history.py) on a real Redis and a real gateway: a page's socket is sent
what was published after its offset, compacted, before anything live; when the history no longer reaches back,
it is told to refresh."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import redis.asyncio as aioredis

from app.live import history
from tests.sockets import LIVE, first, open_socket, session_cookie


def push(app, topic: str, stream: str) -> None:
    from app.live.publisher import turbo

    with app.app_context():
        turbo.push(stream, to=topic)


def offset_now(app) -> str:
    from app.redis_client import client
    return history.current_offset(client(app.config["REDIS_URL"]))


def replay(app, topics: list[str], since: str, seconds: int = 300) -> history.Replay:
    async def read():
        connection = aioredis.Redis.from_url(app.config["REDIS_URL"])
        try:
            return await history.replay(connection, topics, history.Since.parse(since), seconds)
        finally:
            await connection.aclose()

    # in a thread of its own: the browser tests' Playwright (sync API) leaves an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def until_resumed(ws) -> str:
    """What a resuming socket is sent, up to the gateway's word on how it resumed."""
    messages = []
    while not messages or 'action="resumed"' not in messages[-1]:
        messages.append(ws.recv(timeout=10))
    return "".join(messages)


def update(target: str, text: str) -> str:
    return f'<turbo-stream action="update" target="{target}"><template>{text}</template></turbo-stream>'


def test_a_push_is_kept_per_topic_and_published_with_its_offset(app, redis_conn):
    topic = "dashboard:org:1"
    pubsub = redis_conn.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("timeboard:streams")
    pubsub.get_message(timeout=1)
    since = offset_now(app)
    push(app, topic, update("probe", "one"))
    message = pubsub.get_message(timeout=5)
    entries = redis_conn.xrange(history.history_key(topic))
    assert len(entries) == 1 and entries[0][1][b"s"] == update("probe", "one").encode()
    assert f'"offset": "{entries[0][0].decode()}"'.replace(" ", "") in message["data"].decode().replace(" ", "")
    assert 0 < redis_conn.pttl(history.history_key(topic)) <= 300_000  # it expires with its last entry
    assert replay(app, [topic], since).stream == update("probe", "one")


def test_replay_compacts_replaces_per_target_and_keeps_every_append_in_order(app):
    topic, other = "jobs:org:1", "user:1"
    since = offset_now(app)
    push(app, topic, update("count", "1") + '<turbo-stream action="append" target="rows"><template>a</template>'
                                           '</turbo-stream>')
    push(app, [topic, other], update("count", "2"))  # one message to two topics: replayed once
    push(app, other, '<turbo-stream action="append" target="rows"><template>b</template></turbo-stream>')
    push(app, topic, '<turbo-stream action="refresh"></turbo-stream>')
    push(app, topic, '<turbo-stream action="remove" target="row-x"></turbo-stream>')
    push(app, topic, '<turbo-stream action="refresh"></turbo-stream>')
    result = replay(app, [topic, other], since)
    assert result.complete
    actions = re.findall(r'action="(\w+)"(?: target="([\w-]+)")?', result.stream)
    assert actions == [("append", "rows"), ("update", "count"), ("append", "rows"), ("remove", "row-x"),
                       ("refresh", "")]
    assert ">2<" in result.stream and ">1<" not in result.stream
    # from the last one on, nothing is left
    assert replay(app, [topic, other], f"{since.split(':')[0]}:{history.format_id(result.last)}").stream == ""


def test_replay_says_refresh_when_the_history_does_not_reach_back(app, redis_conn):
    topic = "dashboard:team:3"
    since = offset_now(app)
    push(app, topic, update("a", "x"))
    epoch = since.split(":")[0]
    assert replay(app, [topic], since).complete

    assert not replay(app, [topic], f"other{epoch}:{since.split(':')[1]}").complete  # Redis lost it: a new epoch

    app.config["STREAM_HISTORY_LENGTH"] = 5
    try:
        for n in range(250):  # trimmed by whole nodes of 100 entries: the first ones go
            push(app, topic, update("a", str(n)))
    finally:
        app.config["STREAM_HISTORY_LENGTH"] = 200
    assert redis_conn.xlen(history.history_key(topic)) < 250
    assert not replay(app, [topic], since).complete

    redis_conn.delete(history.history_key(topic))  # expired: fine if the offset is recent, not if it is older
    assert replay(app, [topic], since).complete
    assert not replay(app, [topic], since, seconds=0).complete


def test_a_socket_resumes_after_a_gateway_restart_with_what_it_missed_then_goes_live(app, factory, start_gateway):
    w = factory.world()
    topic = f"dashboard:org:{w.org.id}"
    cookie = session_cookie(app, w.owner.id)
    gateway = start_gateway()
    ws = open_socket(gateway.port, cookie, topic)
    assert first(ws, LIVE)
    push(app, topic, update("probe", "before"))
    before = first(ws, "before")
    applied = re.search(r'action="offset" offset="([\d-]+)"', before)[1]  # the offset the page keeps
    epoch = offset_now(app).split(":")[0]
    gateway.stop()

    push(app, topic, update("probe", "missed one"))  # published while the page had no socket
    push(app, topic, update("probe", "missed two"))
    start_gateway(port=gateway.port)
    ws = open_socket(gateway.port, cookie, topic, since=f"{epoch}:{applied}")
    try:
        text = until_resumed(ws)
        assert "missed two" in text and "missed one" not in text and "before" not in text
        assert text.index("missed two") < text.index(LIVE) < text.index('result="caught-up"')
        push(app, topic, update("probe", "after"))
        assert first(ws, "after")
    finally:
        ws.close()

    gone = open_socket(gateway.port, cookie, topic, since=f"{epoch}x:{applied}")  # another epoch: refresh
    try:
        text = until_resumed(gone)
        assert '<turbo-stream action="refresh">' in text and 'result="refreshed"' in text
    finally:
        gone.close()


def test_a_job_that_ends_between_a_pages_render_and_its_socket_still_reaches_it(app, client, factory, run_jobs,
                                                                                  start_gateway):
    """The page marks its topics watched as it renders, so the job publishes; the socket, resuming from the page's
    offset, is sent it (before, such a page waited for an update that had gone to nobody)."""
    import json

    from app.background.enqueue import enqueue
    from tests.conftest import login

    w = factory.world()
    gateway = start_gateway()
    login(client, w.owner)
    html = client.get("/jobs").get_data(as_text=True)
    since = re.search(r'<meta name="stream-offset" content="([^"]+)"', html)[1]
    topics = json.loads(re.search(r"data-stream-source-topics-value='([^']+)'", html)[1])
    with app.test_request_context():
        job = enqueue("echo", "between", organization_id=w.org.id, user_id=w.owner.id).rq_job_id
    run_jobs()  # queued, run and done before the page's socket opens

    ws = open_socket(gateway.port, session_cookie(app, w.owner.id), *topics, since=since)
    try:
        text = until_resumed(ws)
        assert f'target="job-{job}"' in text and 'data-status="completed"' in text
        assert 'result="caught-up"' in text
    finally:
        ws.close()
