"""The stream publisher: Turbo Streams that reach every gateway, from any process.

turbo-flask keeps WebSockets in a dict of the process that accepted them, so its push() reaches nobody
when a worker calls it. RelayedTurbo keeps turbo-flask's stream builders (replace, update, ...) but
push() publishes on Redis (CHANNEL): every stream gateway (app/live/gateway/) is subscribed and delivers
to its own sockets, by topic (app/live/topics.py names them). Control messages go the same way: a
sign-out closes the user's sockets everywhere, an access change re-checks them at once.

Web processes and workers hold no sockets: turbo-flask's own socket route stays off
(TURBO_WEBSOCKET_ROUTE is None). This module depends only on Flask, turbo-flask and Redis, so that any
layer may publish.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable

import redis
from flask import current_app
from turbo_flask import Turbo

from app.live import trace
from app.live.history import record_and_publish
from app.redis_client import client

log = logging.getLogger(__name__)

CHANNEL = "timeboard:streams"
READY_STREAM = '<turbo-stream action="update" target="stream-status"><template>live</template></turbo-stream>'
PAUSED_STREAM = ('<turbo-stream action="update" target="stream-status"><template>live updates paused</template>'
                 '</turbo-stream>')


class RelayedTurbo(Turbo):
    def init_app(self, app):
        app.config["TURBO_WEBSOCKET_ROUTE"] = None  # the gateway holds the sockets, never this process
        super().init_app(app)

    def push(self, stream, to=None, pipe=None):
        """Publish a stream to the topic(s) in `to` (app.live.topics objects or their names); every gateway
        delivers it to its subscribers. With `pipe` (a pipeline of the app's Redis), the publish joins the caller's
        other commands, sent in one round trip when the caller executes it, and a Redis error is the caller's."""
        if to is None:
            raise ValueError("push() needs a topic: streams only go to those allowed to see them")
        # one topic (a name or an app.live.topics object: both are str()-able, a name is also iterable) or many
        topics = [str(to)] if isinstance(to, str) or not isinstance(to, Iterable) else [str(t) for t in to]
        if not isinstance(stream, str):
            stream = "".join(stream)
        message = {"topics": topics, "stream": stream, "at": time.time()}  # "at": the gateway's latency metric
        message["trace"] = trace.for_current_job()  # a job's pushes: the job monitor's trace (app/live/trace.py)
        if pipe is not None:
            self._queue(pipe, message, history=True)
        else:
            self._publish(message, history=True)

    def revoke_user(self, user_id: int) -> None:
        """Publish: every gateway closes the sockets this user has open (signed out everywhere)."""
        self._publish({"revoke_user": user_id})

    def recheck_user(self, user_id: int) -> None:
        """Publish: the user's access changed (removed from an organization, a role or team changed), so every
        socket of theirs re-checks its topics now and stops those it lost, rather than at the next sweep."""
        self._publish({"recheck_user": user_id})

    def _publish(self, message: dict, history: bool = False) -> None:
        """Publish on CHANNEL, in a round trip of its own."""
        try:
            pipe = client(current_app.config["REDIS_URL"]).pipeline(transaction=False)
            self._queue(pipe, message, history)
            pipe.execute()
        except redis.RedisError as exc:  # a lost live update must never break the caller
            log.warning("stream push failed: %s", exc)

    @staticmethod
    def _queue(pipe, message: dict, history: bool) -> None:
        """Add the publish of `message` to a pipeline; a stream (`history`) also goes into its topics' histories, and
        its message then carries its offset (app/live/history.py)."""
        if message.get("trace"):
            trace.record_publish(pipe, message["trace"], message["topics"], message["at"])
        if history:
            config = current_app.config
            message_id = (message.get("trace") or {}).get("mid") or uuid.uuid4().hex
            record_and_publish(pipe, CHANNEL, message["topics"], message["stream"], json.dumps(message)[:-1],
                               message_id, config["STREAM_HISTORY_LENGTH"], config["STREAM_HISTORY_SECONDS"])
        else:
            pipe.publish(CHANNEL, json.dumps(message))

turbo = RelayedTurbo()  # the one publisher: create_app() binds it (turbo.init_app)
