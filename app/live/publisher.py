"""The stream relay: Turbo Streams that reach every web process.

turbo-flask keeps WebSockets in a dict of the process that accepted them, so its push() reaches
nobody when a worker calls it. RelayedTurbo keeps turbo-flask's stream builders (replace, update,
...) but routes push() through Redis pub/sub: any process publishes, and a relay thread in every
web process delivers to its own sockets, by topic (app/live/topics.py names them; app/live/streams.py checks
them when a socket opens and holds the broadcast helpers). The topics of its sockets are marked as
watched (app/live/presence.py) while they are open, so that jobs do not skip them.

This module depends only on Flask, turbo-flask, flask-sock and Redis, so that app/extensions.py can
create the `turbo` object without importing the app's models or policies.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable

import redis
from flask import current_app
from flask_sock import ConnectionClosed
from turbo_flask import Turbo

from app.live.presence import REFRESH_EVERY, mark_watched
from app.redis_client import Outage, client

log = logging.getLogger(__name__)

CHANNEL = "timeboard:streams"
READY_STREAM = '<turbo-stream action="update" target="stream-status"><template>live</template></turbo-stream>'
PAUSED_STREAM = ('<turbo-stream action="update" target="stream-status"><template>live updates paused</template>'
                 '</turbo-stream>')


class RelayedTurbo(Turbo):
    def __init__(self):
        super().__init__()
        self._sockets: dict[str, set] = defaultdict(set)
        self._user_sockets: dict[int, set] = defaultdict(set)  # who is behind each socket: for revoke_user()
        self._lock = threading.Lock()
        self._relay: threading.Thread | None = None
        self._presence: threading.Thread | None = None
        self._redis_url: str | None = None

    def init_app(self, app):
        app.config["TURBO_WEBSOCKET_ROUTE"] = None  # app/live/streams.py serves /turbo-stream itself
        super().init_app(app)
        self._redis_url = app.config["REDIS_URL"]

    # -- publishing (any process) -------------------------------------------------------------
    def push(self, stream, to=None):
        """Publish a stream to the topic(s) in `to` (app.live.topics objects or their names); every web process
        delivers it to its subscribers."""
        if to is None:
            raise ValueError("push() needs a topic: streams only go to those allowed to see them")
        # one topic (a name or an app.live.topics object: both are str()-able, a name is also iterable) or many
        topics = [str(to)] if isinstance(to, str) or not isinstance(to, Iterable) else [str(t) for t in to]
        if not isinstance(stream, str):
            stream = "".join(stream)
        self._publish({"topics": topics, "stream": stream, "at": time.time()})  # "at": the gateway's latency metric

    def revoke_user(self, user_id: int) -> None:
        """Publish: every web process closes the sockets this user has open (signed out everywhere)."""
        self._publish({"revoke_user": user_id})

    def recheck_user(self, user_id: int) -> None:
        """Publish: the user's access changed (removed from an organization, a role or team changed), so every
        socket of theirs re-checks its topics now and stops those it lost, rather than at the next sweep."""
        self._publish({"recheck_user": user_id})

    def _publish(self, message: dict) -> None:
        try:
            client(current_app.config["REDIS_URL"]).publish(CHANNEL, json.dumps(message))
        except redis.RedisError as exc:  # a lost live update must never break the caller
            log.warning("stream push failed: %s", exc)

    def can_push(self, to=None):
        with self._lock:
            if to is None:
                return any(self._sockets.values())
            return bool(self._sockets.get(to))

    # -- delivering (web processes) -----------------------------------------------------------
    def subscribe(self, ws, topics: Iterable[str], user_id: int | None = None) -> None:
        topics = list(topics)
        self._ensure_relay()
        with self._lock:
            for topic in topics:
                self._sockets[topic].add(ws)
            if user_id is not None:
                self._user_sockets[user_id].add(ws)
        self._mark_present(topics)

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
        user_id, reason = data.get("revoke_user"), "signed out"
        if user_id is None:
            # A web process's socket cannot drop single topics: it closes, and the page reconnects with
            # its topics authorized afresh (those the user lost are refused).
            user_id, reason = data.get("recheck_user"), "access changed"
            if user_id is None:
                return False
        with self._lock:
            sockets = list(self._user_sockets.get(user_id, ()))
        for ws in sockets:
            self.unsubscribe(ws)
            close_socket(ws, reason)
        return True

    def _ensure_relay(self) -> None:
        with self._lock:
            if self._relay is None or not self._relay.is_alive():
                self._relay = threading.Thread(target=self._relay_loop, name="turbo-relay", daemon=True)
                self._relay.start()
            if self._presence is None or not self._presence.is_alive():
                self._presence = threading.Thread(target=self._presence_loop, name="turbo-presence", daemon=True)
                self._presence.start()

    def _presence_loop(self) -> None:
        """Keep the topics of this process's sockets marked as watched (app/live/presence.py) while they are open."""
        while True:
            time.sleep(REFRESH_EVERY)
            with self._lock:
                topics = list(self._sockets)
            self._mark_present(topics)

    def _mark_present(self, topics: Iterable[str]) -> None:
        try:
            mark_watched(topics, client(self._redis_url))
        except redis.RedisError as exc:  # presence fails open (jobs then treat every topic as watched)
            log.debug("could not mark presence: %s", exc)
        except Exception:  # never let the presence thread die
            log.exception("could not mark presence")

    _outage = None  # the relay thread's app.redis_client.Outage, once it runs

    def _relay_loop(self) -> None:
        """Relay the channel to this process's sockets. While Redis is lost, tell them (directly, not
        through Redis) that live updates are paused, and "live" again once resubscribed: the page then
        resyncs what it missed."""
        outage = self._outage = Outage("stream relay", log)
        while True:
            try:
                pubsub = client(self._redis_url, blocking=True).pubsub(ignore_subscribe_messages=True)
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


turbo = RelayedTurbo()  # the one publisher: create_app() binds it (turbo.init_app)
