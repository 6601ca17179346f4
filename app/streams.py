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
from flask import Blueprint, abort, current_app, g, render_template, request
from flask_sock import ConnectionClosed, Sock
from turbo_flask import Turbo

log = logging.getLogger(__name__)

CHANNEL = "timeboard:streams"
SESSION_RECHECK_SECONDS = 30  # an open socket re-checks its session this often (besides revoke_user messages)
READY_STREAM = '<turbo-stream action="update" target="stream-status"><template>live</template></turbo-stream>'
PAUSED_STREAM = ('<turbo-stream action="update" target="stream-status"><template>live updates paused</template>'
                 '</turbo-stream>')

bp = Blueprint("streams", __name__)
sock = Sock()


class RelayedTurbo(Turbo):
    def __init__(self):
        super().__init__()
        self._sockets: dict[str, set] = defaultdict(set)
        self._user_sockets: dict[int, set] = defaultdict(set)  # who is behind each socket: for revoke_user()
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
        self._publish({"topics": topics, "stream": stream})

    def revoke_user(self, user_id: int) -> None:
        """Publish: every web process closes the sockets this user has open (signed out everywhere)."""
        self._publish({"revoke_user": user_id})

    def _publish(self, message: dict) -> None:
        try:
            _redis(current_app.config["REDIS_URL"]).publish(CHANNEL, json.dumps(message))
        except redis.RedisError as exc:  # a lost live update must never break the caller
            log.warning("stream push failed: %s", exc)

    def can_push(self, to=None):
        with self._lock:
            if to is None:
                return any(self._sockets.values())
            return bool(self._sockets.get(to))

    # -- delivering (web processes) -----------------------------------------------------------
    def subscribe(self, ws, topics: Iterable[str], user_id: int | None = None) -> None:
        self._ensure_relay()
        with self._lock:
            for topic in topics:
                self._sockets[topic].add(ws)
            if user_id is not None:
                self._user_sockets[user_id].add(ws)

    def unsubscribe(self, ws) -> None:
        with self._lock:
            for topic in list(self._sockets):
                self._sockets[topic].discard(ws)
                if not self._sockets[topic]:
                    del self._sockets[topic]
            for user_id in list(self._user_sockets):
                self._user_sockets[user_id].discard(ws)
                if not self._user_sockets[user_id]:
                    del self._user_sockets[user_id]

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

    def handle_control(self, data: dict) -> bool:
        """A control message on the relay channel rather than a stream: True when it was one (and is handled)."""
        user_id = data.get("revoke_user")
        if user_id is None:
            return False
        with self._lock:
            sockets = list(self._user_sockets.get(user_id, ()))
        for ws in sockets:
            self.unsubscribe(ws)
            close_socket(ws, "signed out")
        return True

    def _ensure_relay(self) -> None:
        with self._lock:
            if self._relay is None or not self._relay.is_alive():
                self._relay = threading.Thread(target=self._relay_loop, name="turbo-relay", daemon=True)
                self._relay.start()

    _outage = None  # the relay thread's app.services.redis_outage.Outage, once it runs

    def _relay_loop(self) -> None:
        """Relay the channel to this process's sockets. While Redis is lost, tell them (directly, not
        through Redis) that live updates are paused, and "live" again once resubscribed: the page then
        resyncs what it missed."""
        from app.services.redis_outage import Outage

        outage = self._outage = Outage("stream relay", log)
        while True:
            try:
                pubsub = _redis(self._redis_url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                if outage.recovered():
                    self.deliver_to_all(READY_STREAM)
                for message in pubsub.listen():
                    self._relay_message(message)
            except redis.RedisError as exc:  # Redis restarts: keep relaying once it is back
                if not outage.down:
                    self.deliver_to_all(PAUSED_STREAM)
                time.sleep(outage.lost(exc))
            except Exception:  # never let the relay thread die
                log.exception("stream relay failed; restarting it")
                time.sleep(1)

    def _relay_message(self, message: dict) -> None:
        try:
            data = json.loads(message["data"])
        except (TypeError, ValueError):
            log.warning("stream relay: ignored a message that is not JSON")
            return
        if not self.handle_control(data):
            self.deliver(data["stream"], data["topics"])

    def deliver_to_all(self, stream: str) -> int:
        """Send to every socket of this process (the relay's own status, which no topic carries)."""
        with self._lock:
            topics = list(self._sockets)
        return self.deliver(stream, topics)

    def status_stream(self) -> str:
        """The stream-status a socket opening now should show: "live", or paused while the relay has lost Redis."""
        return PAUSED_STREAM if self._outage is not None and self._outage.down else READY_STREAM


def close_socket(ws, message: str) -> None:
    """Close a socket from any thread, and wake the thread that serves it (blocked in receive())."""
    try:
        ws.close(reason=1008, message=message)
    except (BrokenPipeError, ConnectionClosed, OSError):
        pass
    wake = getattr(ws, "event", None)  # simple_websocket's receive() waits on this event
    if wake is not None:
        wake.set()


_clients: dict[str, redis.Redis] = {}


def _redis(url: str) -> redis.Redis:
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=None, health_check_interval=30)
    return _clients[url]


@bp.before_request
def _only_our_pages():
    """Refuse the handshake (403, before the upgrade) from a page of another origin: the socket would
    carry the visitor's session cookie, so another site could read their streams (cross-site WebSocket hijacking)."""
    from app.origins import stream_origin_allowed

    if not stream_origin_allowed():
        abort(403, "This stream only serves the app's own pages.")


@sock.route("/turbo-stream", bp=bp)
def turbo_stream(ws):
    """One socket per page; the page names its topics in ?topic=...; each is checked by policy."""
    from flask_login import current_user

    from app.extensions import db, turbo
    from app.policies import can_receive
    from app.services.sessions import session_is_current

    requested = request.args.getlist("topic")
    allowed = [t for t in requested if current_user.is_authenticated and can_receive(current_user, t)]
    session = (current_user.id, current_user.session_version) if current_user.is_authenticated else None
    db.session.remove()  # a socket lives long: do not hold a database connection for it
    if not allowed:
        ws.close(reason=1008, message="not allowed")
        return
    user_id, version = session
    turbo.subscribe(ws, allowed, user_id=user_id)  # a sign-out from now on closes it (revoke_user)
    try:
        ws.send(turbo.status_stream())  # "live", or paused while this process's relay has lost Redis
        checked = None
        while True:  # the session is checked again now (a sign-out may have just passed), then every 30 s
            if checked is None or time.monotonic() - checked >= SESSION_RECHECK_SECONDS:
                if not session_is_current(user_id, version):
                    close_socket(ws, "signed out")
                    break
                checked = time.monotonic()
            ws.receive(timeout=SESSION_RECHECK_SECONDS)  # anything the browser sends is ignored
    except (BrokenPipeError, ConnectionClosed, OSError):
        pass
    finally:
        turbo.unsubscribe(ws)


def render_stream(action: str, target: str, template: str, **context) -> str:
    """Render a partial into a turbo-stream, the same way whoever triggers it, in a request or a job.

    A stream goes to other people, so it is rendered away from the request being handled: in a fresh
    app context (its own `g`, so no signed-in user and no `g.streaming` left behind) and a blank
    request (no session: no CSRF token, no acting user's time zone). Partials omit per-session bits
    when g.streaming is set (see helpers.csrf_field); their forms post with the page's meta token.
    """
    from app.extensions import turbo

    with current_app.app_context(), current_app.test_request_context("/"):
        g.streaming = True
        html = render_template(template, **context)
        return getattr(turbo, action)(html, target)


def broadcast(topics: str | Iterable[str], action: str, target: str, template: str, **context) -> None:
    """Render a partial and push it to everyone subscribed to the topic(s): the one broadcast helper."""
    from app.extensions import turbo

    turbo.push(render_stream(action, target, template, **context), to=topics)


def broadcast_stream(topics: str | Iterable[str], stream: str) -> None:
    """Push an already-built stream (several actions joined) to the topic(s)."""
    from app.extensions import turbo

    turbo.push(stream, to=topics)
