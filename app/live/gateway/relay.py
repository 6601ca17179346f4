"""The gateway's two Redis loops: the one subscriber on app/live/publisher.py's CHANNEL, and presence.

Whatever any process publishes (app.live.publisher.RelayedTurbo.push, revoke_user) reaches the hub here. While
Redis is lost the hub tells every page that live updates are paused, and "live" again once the
gateway has resubscribed; app.redis_client.Outage paces the retries and logs once each way.
A job's stream that reached a socket here is recorded for the job monitor's trace (app/live/trace.py), off the
subscriber's loop. Presence (app/live/presence.py): a topic with at least one socket here has its key set at once, and
again every REFRESH_EVERY seconds while it keeps one; keys are never deleted (another gateway may
hold the topic too): they expire.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import suppress

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.live import trace
from app.live.gateway.hub import Hub
from app.live.history import parse_id
from app.live.presence import PRESENCE_TTL, REFRESH_EVERY, presence_key
from app.live.publisher import CHANNEL
from app.redis_client import Outage

log = logging.getLogger(__name__)


async def listen(hub: Hub, redis_url: str) -> None:
    outage = Outage("stream gateway", log)
    recorder = aioredis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    while True:
        connection = aioredis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_keepalive=True,
                                             health_check_interval=30)
        pubsub = connection.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(CHANNEL)
            if outage.recovered():
                hub.resume()
            async for message in pubsub.listen():
                delivered = dispatch(hub, message["data"])
                if delivered is not None:
                    _background(trace.record_delivery(recorder, *delivered))
                await asyncio.sleep(0)  # let the loop read, ping and close between two messages
        except (RedisError, OSError) as exc:
            if not outage.down:
                hub.pause()
            await asyncio.sleep(outage.lost(exc))
        finally:
            with suppress(RedisError, OSError):
                await pubsub.aclose()
                await connection.aclose()


_pending: set[asyncio.Task] = set()


def _background(coroutine) -> None:
    """Run a best-effort write beside the subscriber (a lost trace entry must never hold up delivery)."""
    task = asyncio.create_task(_quietly(coroutine))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _quietly(coroutine) -> None:
    try:
        await coroutine
    except (RedisError, OSError) as exc:
        log.debug("could not record a trace entry: %s", exc)


def dispatch(hub: Hub, raw: bytes | str) -> tuple[dict, float] | None:
    """One message from the channel: a stream for topics, or a control message. Returns (trace, delivered at)
    when a job's stream reached a socket here."""
    try:
        data = json.loads(raw)
        if "revoke_user" in data:
            hub.close_user(int(data["revoke_user"]))
            return
        if "recheck_user" in data:
            hub.request_recheck(int(data["recheck_user"]))
            return
        topics, stream, at = data["topics"], data["stream"], data.get("at")
        if not isinstance(topics, list) or not isinstance(stream, str):
            raise TypeError("topics must be a list and stream a string")
        sent = hub.publish([str(t) for t in topics], stream, float(at) if isinstance(at, (int, float)) else None,
                           parse_id(data.get("offset")))
        job_trace = data.get("trace")
        if sent and isinstance(job_trace, dict) and isinstance(job_trace.get("job"), str) \
                and isinstance(job_trace.get("mid"), str):
            return job_trace, time.time()
    except Exception as exc:  # noqa: BLE001 - whatever was published, the one subscriber must keep going
        log.warning("stream gateway: ignored a message that is not a stream (%r)", exc)
    return None


async def keep_presence(hub: Hub, redis_url: str) -> None:
    """Mark the hub's topics as watched: new ones at once (batched), all of them every REFRESH_EVERY seconds."""
    connection = aioredis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=10)
    loop = asyncio.get_running_loop()
    last_full = loop.time()
    while True:
        with suppress(TimeoutError):
            await asyncio.wait_for(hub.topics_added.wait(), timeout=REFRESH_EVERY)
        hub.topics_added.clear()
        if loop.time() - last_full >= REFRESH_EVERY:
            names, last_full = set(hub.topics), loop.time()
        else:
            names = set(hub.new_topics)
        hub.new_topics.clear()
        if not names:
            continue
        try:
            pipe = connection.pipeline(transaction=False)
            for name in names:
                pipe.set(presence_key(name), "1", ex=PRESENCE_TTL)
            await pipe.execute()
        except (RedisError, OSError) as exc:  # presence fails open: jobs treat every topic as watched
            log.debug("could not mark presence: %s", exc)
