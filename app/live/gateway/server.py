"""The gateway's server: the websockets library on one asyncio loop.

Why websockets: a maintained asyncio WebSocket library with keepalive (ping/pong), per-connection
write limits and plain-HTTP answers in the handshake hook built in; one route needs no ASGI framework.

A handshake is refused with 403 before the upgrade when its Origin is not one of our pages (the
socket carries the visitor's session cookie: cross-site WebSocket hijacking). Once open, a socket
whose session names nobody, or that may receive none of its topics, is closed with 1008;
the topics it may receive are subscribed and the page gets the "live"
handshake stream. Every GATEWAY_RECHECK_SECONDS every socket's session and topics are checked again
(off the loop): a revoked session is closed, topics the user lost are unsubscribed.
"""
from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import os
import signal
import socket
from urllib.parse import parse_qs, urlsplit

import redis.asyncio as aioredis
from flask import Flask
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from app.live import history, presence
from app.live.gateway import auth, relay
from app.live.gateway.hub import CLOSE_TIMEOUT, POLICY_VIOLATION, SEND_BUFFER_LIMIT, Hub, Subscriber
from app.live.gateway.metrics import GatewayMetrics, scrape_allowed
from app.redis_client import client

log = logging.getLogger(__name__)

PING_INTERVAL = 20  # seconds: with PING_TIMEOUT, a dead connection is closed within 40 s
PING_TIMEOUT = 20
MAX_TOPICS = 50  # a page asks for a handful; more is not a page
MAX_MESSAGE = 4096  # bytes: pages send nothing on this socket
SERVER_ERROR = 1011
HISTORY_READERS = 8  # Redis connections for resuming sockets' history reads


class Gateway:
    def __init__(self, app: Flask):
        self.app = app
        self.metrics = GatewayMetrics(app.config["PROMETHEUS_MULTIPROC_DIR"])
        self.hub = Hub(self.metrics, app.config["GATEWAY_LATENCY_SAMPLE"])
        self.history_connection = None  # an asyncio Redis client for resuming sockets, made on first use
        self.metrics.watch(self.hub)

    # -- the handshake: plain HTTP answers, and the Origin check --------------------------------
    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if path == "/healthz":
            return connection.respond(http.HTTPStatus.OK, "ok\n")
        if path == "/metrics":
            return self._metrics(connection, request)
        if path != "/turbo-stream":
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Not found\n")
        if not auth.origin_allowed(request.headers.get("Origin"), request.headers.get("Host"),
                                   self.app.config["ALLOWED_ORIGINS"], self.app.config["GATEWAY_SAME_HOST_ANY_PORT"]):
            return connection.respond(http.HTTPStatus.FORBIDDEN, "This stream only serves the app's own pages.\n")
        return None

    def _metrics(self, connection: ServerConnection, request: Request) -> Response:
        remote = connection.remote_address[0] if connection.remote_address else None
        if not scrape_allowed(self.app.config["METRICS_TOKEN"], request.headers.get("Authorization"), remote):
            return connection.respond(http.HTTPStatus.FORBIDDEN, "Metrics need a bearer token.\n")
        response = connection.respond(http.HTTPStatus.OK, self.metrics.render().decode())
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
        return response

    # -- one socket ------------------------------------------------------------------------------
    async def handle(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query)
        topics = list(dict.fromkeys(query.get("topic", [])))
        token = auth.session_token(self.app, ws.request.headers.get("Cookie"))
        if token is None or not topics or len(topics) > MAX_TOPICS:
            await ws.close(POLICY_VIOLATION, "not allowed")
            return
        sub = Subscriber(ws, auth.user_id_of(token), token)
        self.hub.join(sub)
        try:
            try:
                allowed = await asyncio.to_thread(auth.allowed_topics, self.app, token, topics)
            except SQLAlchemyError as exc:
                log.warning("could not authorize a socket: %s", exc)
                await ws.close(SERVER_ERROR, "try again")
                return
            if sub.closing:  # signed out while its topics were checked: the hub is closing it (1008)
                await ws.wait_closed()
                return
            if not allowed:
                await ws.close(POLICY_VIOLATION, "signed out" if allowed is None else "not allowed")
                return
            await asyncio.to_thread(self._mark_watched, allowed)
            since = history.Since.parse(query.get("since", [None])[0])
            self.hub.subscribe(sub, allowed, resuming=since is not None)
            if since is not None:
                self.hub.resumed(sub, await self._replay(allowed, since))
            await self._read_page_messages(sub)
        finally:
            self.hub.leave(sub)

    async def _read_page_messages(self, sub: Subscriber) -> None:
        """Until the socket closes: a page sends only "ack <id>" once it has applied a sampled stream, and "hidden" or
        "visible" when it goes to the background or comes back."""
        with contextlib.suppress(ConnectionClosed):
            async for message in sub.ws:
                if not isinstance(message, str):
                    continue
                if message.startswith("ack "):
                    self.hub.acknowledged(message[4:])
                elif message in ("hidden", "visible"):
                    self.hub.set_visible(sub, message == "visible")

    async def _replay(self, topics: list[str], since: history.Since) -> history.Replay:
        """What the socket missed since its page's offset; a refresh when Redis cannot say."""
        if self.history_connection is None:
            # A few connections that a reconnecting herd waits for (1,000 pages at once after a restart), with a
            # generous read timeout: answers read late on a busy loop are no reason to refresh a page; a Redis that
            # is really gone is noticed by the subscriber (paused).
            pool = aioredis.BlockingConnectionPool.from_url(
                self.app.config["REDIS_URL"], max_connections=HISTORY_READERS, timeout=30, socket_connect_timeout=2,
                socket_timeout=30)
            self.history_connection = aioredis.Redis(connection_pool=pool)
        try:
            return await history.replay(self.history_connection, topics, since,
                                        self.app.config["STREAM_HISTORY_SECONDS"])
        except (RedisError, OSError) as exc:
            log.warning("could not read the stream history: %s", exc)
            return history.Replay(complete=False)

    def _mark_watched(self, topics: list[str]) -> None:
        """Presence before "live": a job that changes right after the page hears "live" must find its topic
        watched (the presence loop refreshes it from then on). Fails open, as presence does."""
        try:
            presence.mark_watched(topics, connection=client(self.app.config["REDIS_URL"]))
        except RedisError as exc:
            log.debug("could not mark presence: %s", exc)

    # -- the periodic re-check -----------------------------------------------------------------
    async def recheck_forever(self, every: float) -> None:
        """Every `every` seconds all sockets; at once those of a user whose access changed (recheck_user)."""
        loop = asyncio.get_running_loop()
        next_sweep = loop.time() + every
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.hub.recheck_wanted.wait(), timeout=max(0.0, next_sweep - loop.time()))
            self.hub.recheck_wanted.clear()
            users, self.hub.recheck_users = self.hub.recheck_users, set()
            sweep = loop.time() >= next_sweep
            if sweep:
                next_sweep = loop.time() + every
            try:
                await self.recheck(None if sweep else users)
            except Exception:  # never let the sweep die
                log.exception("socket re-check failed")

    async def recheck(self, user_ids: set[int] | None = None) -> None:
        """Close the sockets whose session was revoked; unsubscribe topics their user lost (closing a
        socket left with none). A database outage keeps them all (a revocation still arrives on Redis).
        With `user_ids`, only those users' sockets."""
        subs = [sub for sub in self.hub.subscribers if sub.topics and not sub.closing
                and (user_ids is None or sub.user_id in user_ids)]
        if not subs:
            return
        try:
            results = await asyncio.to_thread(auth.recheck, self.app, [(s.token, tuple(s.topics)) for s in subs])
        except SQLAlchemyError as exc:
            log.warning("could not re-check sockets: %s", exc)
            return
        for sub, allowed in zip(subs, results, strict=True):
            if sub.closing:
                continue
            if allowed is None:
                self.hub.drop(sub, POLICY_VIOLATION, "signed out")
                continue
            lost = sub.topics - set(allowed)
            if lost:
                self.hub.unsubscribe(sub, lost)
                if not sub.topics:
                    self.hub.drop(sub, POLICY_VIOLATION, "not allowed")


def _stop_if_failed(task: asyncio.Task, server) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("stream gateway loop %s died; stopping", task.get_coro().__name__, exc_info=task.exception())
        server.close()


async def run(app: Flask, host: str, port: int, sock: socket.socket | None = None) -> None:
    """Serve until SIGTERM or SIGINT, then close every socket (1001: the pages reconnect elsewhere or later).
    With `sock`, on that listening socket (one of several on the port: app/live/gateway/processes.py)."""
    gateway = Gateway(app)
    redis_url = app.config["REDIS_URL"]
    where = {"sock": sock} if sock is not None else {"host": host, "port": port}
    async with serve(gateway.handle, **where, process_request=gateway.process_request,
                     ping_interval=PING_INTERVAL, ping_timeout=PING_TIMEOUT, close_timeout=CLOSE_TIMEOUT,
                     max_size=MAX_MESSAGE, max_queue=4, compression=None, backlog=4096,
                     write_limit=SEND_BUFFER_LIMIT) as server:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, server.close)
        background = [asyncio.create_task(relay.listen(gateway.hub, redis_url)),
                      asyncio.create_task(relay.keep_presence(gateway.hub, redis_url)),
                      asyncio.create_task(gateway.recheck_forever(app.config["GATEWAY_RECHECK_SECONDS"])),
                      asyncio.create_task(gateway.hub.drain_forever())]
        if gateway.metrics.multiprocess_dir:
            background.append(asyncio.create_task(gateway.metrics.refresh_forever()))
        for task in background:  # a loop that dies would leave sockets "live" but deaf: stop, be restarted
            task.add_done_callback(lambda done: _stop_if_failed(done, server))
        log.info("stream gateway on ws://%s:%s/turbo-stream (pid %s)", host, port, os.getpid())
        await server.wait_closed()
        for task in background:
            task.cancel()
