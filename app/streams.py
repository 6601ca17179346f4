"""Turbo Streams that reach every web process: the one home of broadcasting.

turbo-flask keeps WebSockets in a dict of the process that accepted them, so its push() reaches
nobody when a worker calls it. RelayedTurbo keeps turbo-flask's stream builders (replace, update,
...) but routes push() through Redis pub/sub: any process publishes, and a relay thread in every
web process delivers to its own sockets. Sockets subscribe to *topics* ("dashboard:org:42",
"jobs:user:7"); each topic is checked against app.policies when the socket opens, so a stream
reaches only users allowed to see it, whatever the browser sends.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable

import redis
from flask import Blueprint, current_app, g, has_request_context, render_template, request
from flask_sock import ConnectionClosed, Sock
from turbo_flask import Turbo

log = logging.getLogger(__name__)

CHANNEL = "timeboard:streams"
READY_STREAM = '<turbo-stream action="update" target="stream-status"><template>live</template></turbo-stream>'

bp = Blueprint("streams", __name__)
sock = Sock()


class RelayedTurbo(Turbo):
    def __init__(self):
        super().__init__()
        self._sockets: dict[str, set] = defaultdict(set)
        self._lock = threading.Lock()
        self._relay: threading.Thread | None = None
        self._redis_url: str | None = None

    def init_app(self, app):
        app.config["TURBO_WEBSOCKET_ROUTE"] = None  # we serve /turbo-stream ourselves (below)
        super().init_app(app)
        self._redis_url = app.config["REDIS_URL"]

    # -- publishing (any process) -------------------------------------------------------------
    def push(self, stream, to=None):
        """Publish a stream to the topic(s) in `to`; every web process delivers it to its subscribers."""
        if to is None:
            raise ValueError("push() needs a topic: streams only go to those allowed to see them")
        topics = [to] if isinstance(to, str) else list(to)
        if not isinstance(stream, str):
            stream = "".join(stream)
        payload = json.dumps({"topics": topics, "stream": stream})
        try:
            _redis(current_app.config["REDIS_URL"]).publish(CHANNEL, payload)
        except redis.RedisError as exc:  # a lost live update must never break the caller
            log.warning("stream push failed: %s", exc)

    def can_push(self, to=None):
        with self._lock:
            if to is None:
                return any(self._sockets.values())
            return bool(self._sockets.get(to))

    # -- delivering (web processes) -----------------------------------------------------------
    def subscribe(self, ws, topics: Iterable[str]) -> None:
        self._ensure_relay()
        with self._lock:
            for topic in topics:
                self._sockets[topic].add(ws)

    def unsubscribe(self, ws) -> None:
        with self._lock:
            for topic in list(self._sockets):
                self._sockets[topic].discard(ws)
                if not self._sockets[topic]:
                    del self._sockets[topic]

    def deliver(self, stream: str, topics: Iterable[str]) -> int:
        """Send to this process's sockets subscribed to any of the topics; returns how many got it."""
        with self._lock:
            targets = set().union(*(self._sockets.get(t, set()) for t in topics))
        sent = 0
        for ws in targets:
            try:
                ws.send(stream)
                sent += 1
            except (BrokenPipeError, ConnectionClosed, OSError):
                self.unsubscribe(ws)
        return sent

    def _ensure_relay(self) -> None:
        with self._lock:
            if self._relay is None or not self._relay.is_alive():
                self._relay = threading.Thread(target=self._relay_loop, name="turbo-relay", daemon=True)
                self._relay.start()

    def _relay_loop(self) -> None:
        backoff = 0.5
        while True:
            try:
                pubsub = _redis(self._redis_url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                backoff = 0.5
                for message in pubsub.listen():
                    data = json.loads(message["data"])
                    self.deliver(data["stream"], data["topics"])
            except Exception as exc:  # Redis restarts: keep relaying once it is back
                log.warning("stream relay lost Redis (%s); retrying in %.1fs", exc, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 10)


_clients: dict[str, redis.Redis] = {}


def _redis(url: str) -> redis.Redis:
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=None, health_check_interval=30)
    return _clients[url]


@sock.route("/turbo-stream", bp=bp)
def turbo_stream(ws):
    """One socket per page; the page names its topics in ?topic=...; each is checked by policy."""
    from flask_login import current_user

    from app.extensions import db, turbo
    from app.policies import can_receive

    requested = request.args.getlist("topic")
    allowed = [t for t in requested if current_user.is_authenticated and can_receive(current_user, t)]
    db.session.remove()  # a socket lives long: do not hold a database connection for it
    if not allowed:
        ws.close(reason=1008, message="not allowed")
        return
    turbo.subscribe(ws, allowed)
    try:
        ws.send(READY_STREAM)
        while True:
            ws.receive(timeout=30)  # anything the browser sends is ignored
    except (BrokenPipeError, ConnectionClosed, OSError):
        pass
    finally:
        turbo.unsubscribe(ws)


def render_stream(action: str, target: str, template: str, **context) -> str:
    """Render a partial into a turbo-stream; works in a job too (no request there)."""
    from app.extensions import turbo

    def build() -> str:
        html = render_template(template, **context)
        return getattr(turbo, action)(html, target)

    if has_request_context():
        return build()
    with current_app.test_request_context("/"):
        g.streaming = True  # partials omit per-session bits such as CSRF inputs (see helpers.csrf_field)
        return build()


def broadcast(topics: str | Iterable[str], action: str, target: str, template: str, **context) -> None:
    """Render a partial and push it to everyone subscribed to the topic(s): the one broadcast helper."""
    from app.extensions import turbo

    turbo.push(render_stream(action, target, template, **context), to=topics)


def broadcast_stream(topics: str | Iterable[str], stream: str) -> None:
    """Push an already-built stream (several actions joined) to the topic(s)."""
    from app.extensions import turbo

    turbo.push(stream, to=topics)
