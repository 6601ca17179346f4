"""Who receives what on this gateway: per-topic subscriber sets, and a bounded send buffer per socket.

A message is framed once and the same bytes are written to each of its subscribers' connections at
once, synchronously (websockets' broadcast() does the same but frames it again for every
connection): no task, queue or wake-up per delivery (those cost ~50 µs each, which at 10,000 sockets
was most of a broadcast's time). The kernel takes what a reading client can accept; the rest
waits in the connection's transport buffer. A slow client (its transport holding more than HIGH_WATER bytes,
where the gateway used to close it) gets its streams in a backlog instead, written out in one frame once its
transport is down to LOW_WATER (drain_forever). A backlog past SEND_BUFFER_LIMIT is compacted first: a replace
or update superseded by a later one for the same target is dropped (app/live/history.py's compact()); only a
client that is still too far behind after that (appends pile up), or whose transport has not drained for
STALLED_AFTER seconds (a dead connection: behind a full transport websockets' pings wait too), is closed with
1013 "too slow": it never delays the others, and the page reconnects and resumes. A page that says it is
hidden (a background tab) gets its streams the same way, coalesced, every HIDDEN_EVERY seconds, after the
visible ones, and at once when it is visible again. Everything here runs on the event loop.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Iterable

from websockets.asyncio.server import ServerConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from app.live.gateway.metrics import GatewayMetrics
from app.live.history import Replay, compact, format_id
from app.live.publisher import PAUSED_STREAM, READY_STREAM
from app.live.topics import topic_kind
from app.observability.instruments import GATEWAY_BROADCASTS, GATEWAY_SOCKETS

log = logging.getLogger(__name__)

MAX_SAMPLES = 4096  # sampled streams remembered for their acknowledgements (a late one is not counted)
SEND_BUFFER_LIMIT = 1 << 20  # bytes waiting for one socket (~64 dashboard streams); a client this far behind is dropped
HIGH_WATER = SEND_BUFFER_LIMIT  # bytes in a socket's transport buffer beyond which its streams wait in its backlog
LOW_WATER = 256 << 10  # ... until the transport is down to this
STALLED_AFTER = 60.0  # seconds a backlog may wait for a transport that never drains (a dead client) before it is closed
DRAIN_EVERY = 0.05  # seconds between two looks at the slow clients' transports
HIDDEN_EVERY = 5.0  # seconds between two coalesced writes to a page that is not visible
CLOSE_TIMEOUT = 5  # seconds a closing handshake may take before the connection is cut

REFRESH_STREAM = '<turbo-stream action="refresh"></turbo-stream>'

TRY_AGAIN_LATER = 1013
POLICY_VIOLATION = 1008


class Subscriber:
    """One socket: who is behind it and its topics; live once its topics are authorized and subscribed."""

    def __init__(self, ws: ServerConnection, user_id: int, token: str):
        self.ws, self.user_id, self.token = ws, user_id, token
        self.topics: set[str] = set()
        self.live = False
        self.closing = False
        self.held: list[tuple[str, tuple[int, int] | None]] | None = None  # live streams kept while it resumes
        self.backlog: list[str] = []  # streams waiting for a slow client's transport to drain, or a hidden page
        self.backlog_size = 0
        self.backlog_since = 0.0  # when its backlog started waiting (monotonic seconds)
        self.hidden = False  # its page is not visible (a background tab): its streams are coalesced
        self.next_flush = 0.0  # hidden: when its coalesced backlog is written next (monotonic seconds)


class Hub:
    def __init__(self, metrics: GatewayMetrics, sample_rate: float = 0.0):
        self.metrics = metrics
        self.sample_rate = sample_rate  # the share of streams whose pages say when they applied them
        self.samples: OrderedDict[int, tuple[float, str]] = OrderedDict()  # sample id -> (published at, kind)
        self._next_sample = 0
        self.subscribers: set[Subscriber] = set()
        self.topics: dict[str, set[Subscriber]] = {}
        self.users: dict[int, set[Subscriber]] = {}
        self.paused = False  # Redis is lost: nothing is delivered until it is back
        self.new_topics: set[str] = set()  # topics that got their first socket: presence marks them at once
        self.topics_added = asyncio.Event()
        self._closing: set[asyncio.Task] = set()
        self.recheck_users: set[int] = set()  # users whose access changed: their sockets are checked again now
        self.backlogged: set[Subscriber] = set()  # slow clients with streams waiting (drain_forever)
        self.recheck_wanted = asyncio.Event()

    # -- sockets ------------------------------------------------------------------------------
    def join(self, sub: Subscriber) -> None:
        """Known by its user from the handshake on, so that a sign-out while its topics are checked closes it."""
        if sub not in self.subscribers:
            GATEWAY_SOCKETS.inc()
        self.subscribers.add(sub)
        self.users.setdefault(sub.user_id, set()).add(sub)

    def subscribe(self, sub: Subscriber, topics: Iterable[str], resuming: bool = False) -> None:
        """Subscribe to the (authorized) topics and tell the page it is live; or, `resuming`, keep what arrives for
        it until resumed() has sent what it missed first."""
        for topic in topics:
            if topic not in self.topics:
                self.topics[topic] = set()
                self.new_topics.add(topic)
                self.topics_added.set()
            self.topics[topic].add(sub)
            sub.topics.add(topic)
        sub.live = True
        if resuming:
            sub.held = []
        else:
            self._send([sub], PAUSED_STREAM if self.paused else READY_STREAM)

    def resumed(self, sub: Subscriber, replay: Replay) -> None:
        """Send a resuming socket what it missed (app/live/history.py), then what arrived meanwhile and is newer,
        then "live" and how it resumed: caught up, or refreshed (the history did not reach back)."""
        held, sub.held = sub.held or [], None
        if sub.closing:
            return
        self.metrics.resumes.labels("caught-up" if replay.complete else "refreshed").inc()
        if not replay.complete:
            self._send([sub], REFRESH_STREAM)
        elif replay.stream:
            self._send([sub], replay.stream, replay.last)
        for stream, offset in held:
            if not replay.complete or replay.last is None or offset is None or offset > replay.last:
                self._send([sub], stream, offset)
        status = PAUSED_STREAM if self.paused else READY_STREAM
        self._send([sub], status + resumed_stream("caught-up" if replay.complete else "refreshed"))

    def unsubscribe(self, sub: Subscriber, topics: Iterable[str]) -> None:
        for topic in list(topics):
            sub.topics.discard(topic)
            subscribers = self.topics.get(topic)
            if subscribers is not None:
                subscribers.discard(sub)
                if not subscribers:
                    del self.topics[topic]  # its presence key expires by itself

    def leave(self, sub: Subscriber) -> None:
        self.unsubscribe(sub, sub.topics)
        if sub in self.subscribers:
            GATEWAY_SOCKETS.dec()
        self.subscribers.discard(sub)
        mine = self.users.get(sub.user_id)
        if mine is not None:
            mine.discard(sub)
            if not mine:
                del self.users[sub.user_id]

    def drop(self, sub: Subscriber, code: int, reason: str) -> None:
        """Stop delivering to a socket now and close it (in the background: a client that does not read
        may never take the close frame, so the connection is cut after CLOSE_TIMEOUT)."""
        if sub.closing:
            return
        sub.closing = True
        self.leave(sub)
        task = asyncio.create_task(_close(sub.ws, code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def close_user(self, user_id: int) -> None:
        """The user signed out everywhere (a revoke_user message): close their sockets."""
        for sub in list(self.users.get(user_id, ())):
            self.drop(sub, POLICY_VIOLATION, "signed out")

    def request_recheck(self, user_id: int) -> None:
        """A recheck_user message: the gateway's re-check loop checks this user's sockets at once."""
        if user_id in self.users:
            self.recheck_users.add(user_id)
            self.recheck_wanted.set()

    # -- delivery -----------------------------------------------------------------------------
    def publish(self, topics: Iterable[str], stream: str, at: float | None,
                offset: tuple[int, int] | None = None) -> int:
        """Write a stream to every socket subscribed to any of the topics (each once), after its offset (the page
        keeps the last one it applied); returns how many got it."""
        topics = list(topics)
        targets: set[Subscriber] = set()
        for topic in topics:
            targets.update(self.topics.get(topic, ()))
        if topics:
            GATEWAY_BROADCASTS.labels(topic_kind(topics[0])).inc()
        ack = None
        if targets and at is not None and topics and random.random() < self.sample_rate:
            ack = self._sample(at, topic_kind(topics[0]))
        sent = self._send(targets, stream, offset, ack)
        if sent:
            self.metrics.delivered.inc(sent)
            if at is not None:  # the last socket's latency: every other one was written before it
                self.metrics.latency.observe(max(0.0, time.time() - at))
        return sent

    def _sample(self, at: float, kind: str) -> int:
        """Remember a sampled stream's publish time: its pages acknowledge it once Turbo has applied it."""
        self._next_sample += 1
        self.samples[self._next_sample] = (at, kind)
        while len(self.samples) > MAX_SAMPLES:
            self.samples.popitem(last=False)
        return self._next_sample

    def acknowledged(self, raw: str) -> None:
        """A page applied a sampled stream ("ack <id>" on its socket): from publish to applied, by topic kind."""
        sample = self.samples.get(int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if sample is not None:
            at, kind = sample
            self.metrics.applied.labels(kind).observe(max(0.0, time.time() - at))

    def pause(self) -> None:
        """Redis is lost: every page shows "live updates paused" (and resyncs when "live" comes back)."""
        self.paused = True
        self._send(self.subscribers, PAUSED_STREAM)

    def resume(self) -> None:
        self.paused = False
        self._send(self.subscribers, READY_STREAM)

    def _send(self, subs: Iterable[Subscriber], stream: str, offset: tuple[int, int] | None = None,
              ack: int | None = None) -> int:
        """Write to the live sockets among `subs` (the stream after its offset, if any), dropping those too far
        behind; a resuming socket keeps it for later. Returns how many got it."""
        frame = None
        sent = 0
        for sub in list(subs):
            if not sub.live or sub.closing:  # still being authorized, or closed: its handler is leaving
                continue
            if sub.held is not None:
                sub.held.append((stream, offset))  # (a held stream is not sampled)
                sent += 1
                continue
            ws = sub.ws
            if ws.protocol.state is not State.OPEN:
                continue
            sample = None if sub.hidden else ack  # a hidden page applies nothing until it is seen: not a latency
            text = stream if offset is None and sample is None else offset_stream(offset, sample) + stream
            if sub.hidden or sub.backlog or ws.transport.get_write_buffer_size() > HIGH_WATER:
                self._hold_back(sub, text)
                sent += 1
                continue
            if frame is None:  # a server's frame is unmasked and, without compression, the same bytes for all
                frame = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
            ws.transport.write(frame)
            sent += 1
        return sent

    def _hold_back(self, sub: Subscriber, text: str) -> None:
        """A slow client: the stream waits in its backlog, compacted when that grows past SEND_BUFFER_LIMIT; a
        client still that far behind is dropped (beyond write_limit websockets would stop writing, its pings too:
        a dead client would never be pinged out)."""
        if not sub.backlog:
            sub.backlog_since = time.monotonic()
        sub.backlog.append(text)
        sub.backlog_size += len(text)
        self.backlogged.add(sub)
        if sub.backlog_size <= SEND_BUFFER_LIMIT:
            return
        before = sum(stream.count("<turbo-stream") for stream in sub.backlog)
        merged = compact(sub.backlog)
        self.metrics.superseded.inc(before - merged.count("<turbo-stream"))
        sub.backlog, sub.backlog_size = [merged], len(merged)
        if sub.backlog_size > SEND_BUFFER_LIMIT:
            self.metrics.dropped.inc()
            log.info("dropped a slow client (user %s)", sub.user_id)
            self.drop(sub, TRY_AGAIN_LATER, "too slow")

    def set_visible(self, sub: Subscriber, visible: bool) -> None:
        """The page says whether it can be seen ("visible"/"hidden" on its socket). A hidden page gets what changed
        every HIDDEN_EVERY seconds, coalesced, after the visible ones; visible again, at once."""
        sub.hidden = not visible
        if sub.hidden:
            sub.next_flush = time.monotonic() + HIDDEN_EVERY
        elif sub.backlog:
            self._flush(sub)

    def drain(self) -> None:
        """Write each slow client's backlog, as one frame, once its transport is down to LOW_WATER; a hidden page's
        every HIDDEN_EVERY seconds."""
        now = time.monotonic()
        for sub in list(self.backlogged):
            if sub.hidden and now < sub.next_flush:
                continue
            if sub.hidden:
                sub.next_flush = now + HIDDEN_EVERY
            self._flush(sub)

    def _flush(self, sub: Subscriber) -> None:
        if sub.closing or not sub.backlog or sub.ws.protocol.state is not State.OPEN:
            self.backlogged.discard(sub)
            sub.backlog, sub.backlog_size = [], 0
            return
        if sub.ws.transport.get_write_buffer_size() > LOW_WATER:
            if not sub.hidden and time.monotonic() - sub.backlog_since > STALLED_AFTER:
                self.metrics.dropped.inc()
                log.info("dropped a client that read nothing for %.0f s (user %s)", STALLED_AFTER, sub.user_id)
                self.drop(sub, TRY_AGAIN_LATER, "too slow")
            return
        if len(sub.backlog) == 1:
            text = sub.backlog[0]
        else:
            text = compact(sub.backlog)
            held = sum(stream.count("<turbo-stream") for stream in sub.backlog)
            self.metrics.superseded.inc(held - text.count("<turbo-stream"))
        sub.backlog, sub.backlog_size = [], 0
        self.backlogged.discard(sub)
        sub.ws.transport.write(Frame(Opcode.TEXT, text.encode()).serialize(mask=False))

    async def drain_forever(self) -> None:
        while True:
            await asyncio.sleep(DRAIN_EVERY)
            self.drain()


async def _close(ws: ServerConnection, code: int, reason: str) -> None:
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await ws.close(code, reason)
    except TimeoutError:
        ws.transport.abort()


def offset_stream(offset: tuple[int, int] | None, ack: int | None = None) -> str:
    """Tells the page the offset of what follows (static/js/controllers/stream_source_controller.js keeps it) and,
    for a sampled stream, to acknowledge it once applied."""
    attributes = ("" if offset is None else f' offset="{format_id(offset)}"') + ("" if ack is None else f' ack="{ack}"')
    return f'<turbo-stream action="offset"{attributes}></turbo-stream>'


def resumed_stream(result: str) -> str:
    """Tells a resuming page how: "caught-up" (it was sent what it missed) or "refreshed" (it fetches itself)."""
    return f'<turbo-stream action="resumed" result="{result}"></turbo-stream>'
