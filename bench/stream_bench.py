"""Stream sockets at scale: one gateway process against the gthread web path, side by side.

    .venv/bin/python bench/stream_bench.py                                      # the issue's sizes (~10 min)
    .venv/bin/python bench/stream_bench.py --sockets 1000 --sustain-seconds 5   # a quick run
    .venv/bin/python bench/stream_bench.py --json instance/bench/stream_bench.json
                                                  # ... also as JSON: bench/run.py shows it as its fan-out rows

Starts its own redis-server and a SQLite database in a temporary directory, seeds an organization
and its owner, and signs the owner's session cookie with the app's serializer (what a sign-in sets).
Then, for each setup in turn:
- gateway: one `flask --app wsgi gateway` process (sockets), next to one gunicorn web process
  (gthread, 64 threads: the Procfile's default) that serves pages only;
- gateway xN (--gateway-processes, default 1,2): the same with `flask gateway --processes N`, N processes on the
  one port, side by side with the single process;
- gthread T (only with --baseline-threads, against a checkout from before the gateway became the only socket
  server: today's web process has no /turbo-stream): one gunicorn web process with WEB_THREADS=T serving pages
  and T sockets, the path the README's table compares with;
it measures GET /login p95 while idle, opens the sockets from --clients separate client processes
(asyncio, a lean WebSocket client, paced connects; each waits for the "live" handshake), measures the server's
RSS growth per socket, GET /login p95 again, --broadcasts single broadcasts to every socket (each
message carries its publish time, each client its receive time: same machine clock), and a sustained
--rate broadcasts/s for --sustain-seconds to --subscribers of the sockets (a second topic), counting
what the clients that stayed connected received against what was sent. Last, on each gateway, the resume phase:
--resume-sockets sockets go away (keeping the last offset the gateway gave them), --resume-streams streams are
published meanwhile through the app's history (app/live/history.py), each to its own target, and the sockets come
back asking for what they missed: how many streams they missed, how many were told to refresh instead, and the
time from reconnecting to the gateway's "resumed".

Loopback only; every process it starts is stopped at the end, and the whole run is bounded by
--max-seconds. Everything (clients, servers, Redis) shares the machine's cores, as in the issue.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from array import array
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    Server,
    percentiles,
    raise_nofile,
    session_cookie,
    start_gateway,
    start_redis,
    start_web,
)

SUSTAIN_BASE = 1_000_000  # sequence numbers of sustained messages start here; single broadcasts below
HELD_BASE = 400_000  # the broadcasts published while the clients do not read
RESUME_BASE = 500_000  # the streams published while the resume phase's sockets are away
DELIVERY_BUCKET = re.compile(r'^timeboard_gateway_delivery_latency_seconds_bucket\{le="([^"]+)"\} (\S+)$', re.M)
SUPERSEDED = re.compile(r"^timeboard_gateway_superseded_streams_dropped_total (\S+)$", re.M)
MARK = re.compile(rb'data-seq="(\d+)" data-t="([0-9.]+)"')
OFFSET = re.compile(rb'<turbo-stream action="offset" offset="([0-9]+-[0-9]+)"')
PAD = "x" * 600  # a stream of about the size of a dashboard section's
PAGE_TIMEOUT = 2.0  # seconds; a page that takes longer counts as a timeout


class Timeout(Exception):
    """The run exceeded --max-seconds."""


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


# -- the client processes --------------------------------------------------------------------------
class Tally:
    """What one client process received: single-broadcast latencies by sequence number, and per socket
    counts and latencies of the sustained topic."""

    def __init__(self, count: int):
        self.broadcast: dict[int, array] = {}
        self.sustained = array("d")
        self.sustained_count = [0] * count
        self.closed: set[int] = set()  # sockets the server closed (dropped), not us
        self.stopping = False
        self.resumed_count = [0] * count  # resume phase: streams of RESUME_BASE on received after resuming
        self.caught_up = array("d")  # resume phase: seconds from reconnecting to the gateway's "resumed"
        self.refreshed = 0


class BenchSocket(asyncio.Protocol):
    """A lean WebSocket client (RFC 6455): the handshake, unmasked server frames, pong, close. The clients
    share the machine with the server under test, so they parse as little as they can: a full client
    library costs more CPU per message than the gateway spends sending it, and would measure itself."""

    def __init__(self, i: int, tally: Tally, host: str, path: str, cookie: str, resuming: bool = False):
        self.i, self.tally, self.host, self.path, self.cookie = i, tally, host, path, cookie
        self.buffer = bytearray()
        self.upgraded = False
        self.live = asyncio.get_running_loop().create_future()
        self.transport = None
        self.offset: str | None = None  # the last offset the gateway wrote before a stream (app/live/history.py)
        self.resume_started = time.time() if resuming else None

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                         f"Cookie: {self.cookie}\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:self.buffer.find(b"\r\n")])
            if b" 101 " not in status:
                self._fail(RuntimeError(status.decode(errors="replace")))
                return
            self.upgraded = True
            del self.buffer[:end + 4]
        self._frames(now)

    def _frames(self, now: float) -> None:
        buf, pos, size = self.buffer, 0, len(self.buffer)
        while size - pos >= 2:
            opcode, length, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head:pos + head + length])
            pos += head + length
            if opcode == 0x1:
                self._text(payload, now)
            elif opcode == 0x9:  # ping: pong with the same payload (masked, with a zero key)
                self.transport.write(bytes([0x8A, 0x80 | len(payload), 0, 0, 0, 0]) + payload)
            elif opcode == 0x8:
                self.transport.close()
        del buf[:pos]

    def _text(self, payload: bytes, now: float) -> None:
        if payload.startswith(b'<turbo-stream action="offset"'):
            found = OFFSET.match(payload)
            if found:
                self.offset = found[1].decode()
        if self.resume_started is not None and not self.live.done():  # what the gateway replays, then "resumed"
            self.tally.resumed_count[self.i] += sum(1 for m in MARK.finditer(payload) if int(m[1]) >= RESUME_BASE)
            if b'action="resumed"' in payload:
                self.tally.caught_up.append(now - self.resume_started)
                self.tally.refreshed += b'result="refreshed"' in payload
        if not self.live.done():
            if b'target="stream-status"' in payload:
                self.live.set_result(True)
            return
        first = MARK.search(payload, 0, 200)
        if not first:
            return
        # one stream per frame, but for a slow client's backlog, written in one frame once its transport drains
        for found in (first,) if len(payload) < 2048 else MARK.finditer(payload):
            seq, latency = int(found[1]), now - float(found[2])
            if seq >= SUSTAIN_BASE:
                self.tally.sustained_count[self.i] += 1
                self.tally.sustained.append(latency)
            else:
                self.tally.broadcast.setdefault(seq, array("d")).append(latency)

    def _fail(self, exc: Exception) -> None:
        if not self.live.done():
            self.live.set_exception(exc)
        self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.live.done():
            self.live.set_exception(ConnectionError("closed before the live handshake"))
        elif not self.tally.stopping:
            self.tally.closed.add(self.i)

    def close(self) -> None:
        """A close frame (1000, masked with a zero key), then the connection."""
        if not self.transport.is_closing():
            self.transport.write(bytes([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8]))
            self.transport.close()


def client_main(conn, urls: tuple[str, str], cookie: str, count: int, subscribers: int, concurrency: int) -> None:
    """One client process: `count` sockets, the first `subscribers` of them also on the sustained topic.
    Answers the parent's commands on `conn` (a multiprocessing pipe)."""
    raise_nofile()
    asyncio.run(_client(conn, urls, cookie, count, subscribers, concurrency))


async def _client(conn, urls: tuple[str, str], cookie: str, count: int, subscribers: int, concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    tally = Tally(count)
    sockets: dict[int, BenchSocket] = {}
    errors: dict[str, int] = {}

    async def open_one(i: int, gate: asyncio.Semaphore, since: str | None = None) -> None:
        url = urlsplit(urls[1] if i < subscribers else urls[0])
        query = url.query + (f"&since={since}" if since else "")
        async with gate:
            try:
                _, sock = await asyncio.wait_for(loop.create_connection(
                    lambda: BenchSocket(i, tally, url.netloc, f"{url.path}?{query}", cookie, since is not None),
                    url.hostname, url.port), 30)
                await asyncio.wait_for(sock.live, 30)  # the "live" handshake stream
            except Exception as exc:  # counted and reported: a benchmark shows failures, it does not hide them
                name = type(exc).__name__
                errors[name] = errors.get(name, 0) + 1
                return
        sockets[i] = sock

    subscribed = range(min(subscribers, count))
    away: dict[int, str | None] = {}  # resume phase: the sockets that went away, and their last offsets
    while True:
        command, *args = await loop.run_in_executor(None, conn.recv)
        if command == "open":
            gate = asyncio.Semaphore(concurrency)
            await asyncio.gather(*(open_one(i, gate) for i in range(count)))
            conn.send({"connected": len(sockets), "errors": errors})
        elif command == "received":  # how many sockets got single broadcast `seq`
            conn.send(len(tally.broadcast.get(args[0], ())))
        elif command == "broadcast_latencies":
            conn.send(b"".join(tally.broadcast.get(seq, array("d")).tobytes() for seq in args[0]))
        elif command == "sustain_reset":
            tally.sustained_count[:] = [0] * count
            del tally.sustained[:]
            conn.send(True)
        elif command == "sustain_collect":
            keeping = [i for i in subscribed if i in sockets and i not in tally.closed]
            conn.send({"open": len(keeping), "received": sum(tally.sustained_count[i] for i in keeping),
                       "dropped": sum(1 for i in subscribed if i in tally.closed),
                       "latencies": tally.sustained.tobytes()})
        elif command == "drop":  # the first args[0] sockets go away (a tunnel), keeping their offsets
            for i in sorted(sockets)[:args[0]]:
                sock = sockets.pop(i)
                away[i] = sock.offset
                sock.close()
            conn.send(len([o for o in away.values() if o]))
        elif command == "resume":  # they come back, each asking for what it missed since its offset
            epoch = args[0]
            tally.closed.difference_update(away)
            gate = asyncio.Semaphore(concurrency)
            await asyncio.gather(*(open_one(i, gate, f"{epoch}:{offset}") for i, offset in away.items() if offset))
            conn.send({"resumed": len(tally.caught_up), "received": sum(tally.resumed_count),
                       "refreshed": tally.refreshed, "caught_up": tally.caught_up.tobytes()})
        elif command in ("hold", "release"):  # stop reading (the kernel keeps what arrives), or read again
            for sock in sockets.values():
                if sock.transport is not None and not sock.transport.is_closing():
                    (sock.transport.pause_reading if command == "hold" else sock.transport.resume_reading)()
            conn.send(True)
        elif command == "still_open":
            conn.send(len([i for i in sockets if i not in tally.closed]))
        elif command == "close":
            tally.stopping = True
            for sock in sockets.values():
                sock.close()
            await asyncio.sleep(0.5)
            conn.send(True)
            return


class Clients:
    """--clients processes, each holding a share of the sockets."""

    def __init__(self, processes: int, url_all: str, url_both: str, cookie: str, sockets: int, subscribers: int,
                 concurrency: int):
        ctx = get_context("spawn")
        self.procs, self.pipes = [], []
        for k in range(processes):
            share = sockets // processes + (1 if k < sockets % processes else 0)
            subs = subscribers // processes + (1 if k < subscribers % processes else 0)
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_main, args=(child, (url_all, url_both), cookie, share, subs, concurrency),
                               daemon=True)
            proc.start()
            self.procs.append(proc)
            self.pipes.append(parent)

    def ask(self, *command, timeout: float = 300) -> list:
        for pipe in self.pipes:
            pipe.send(command)
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise RuntimeError(f"a client process did not answer {command[0]!r} within {timeout}s")
            answers.append(pipe.recv())
        return answers

    def stop(self) -> None:
        try:
            self.ask("close", timeout=30)
        except Exception:  # noqa: S110 (they are killed below all the same)
            pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)


# -- the measurements ----------------------------------------------------------------------------
def page_p95(base: str, requests: int) -> tuple[float, int]:
    """GET /login `requests` times in a row: p95 in ms and how many timed out (a timeout counts as
    PAGE_TIMEOUT; after 3 the rest are not tried: the process is not answering)."""
    for _ in range(20):  # warm up (templates, connections); not measured
        try:
            with urllib.request.urlopen(base + "/login", timeout=PAGE_TIMEOUT) as response:
                response.read()
        except OSError:
            break
    samples, timeouts = [], 0
    for _ in range(requests):
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(base + "/login", timeout=PAGE_TIMEOUT) as response:
                response.read()
            samples.append(time.perf_counter() - started)
        except OSError:
            timeouts += 1
            samples.append(PAGE_TIMEOUT)
            if timeouts >= 3:
                break
    return statistics.quantiles(samples, n=20)[18] * 1000 if len(samples) > 1 else samples[0] * 1000, timeouts


def stream(seq: int) -> str:
    return (f'<turbo-stream action="update" target="bench" data-seq="{seq}" data-t="{time.time():.6f}">'
            f"<template>{PAD}</template></turbo-stream>")


def publish(r, topic: str, seq: int) -> None:
    from app.live.publisher import CHANNEL

    r.publish(CHANNEL, json.dumps({"topics": [topic], "stream": stream(seq), "at": time.time()}))  # as push() does


def publish_kept(r, topic: str, seq: int, target: str = "bench") -> None:
    """Publish as the app does (app/live/publisher.py): kept in the topic's history, with its offset."""
    from app.live.history import record_and_publish
    from app.live.publisher import CHANNEL

    text = stream(seq).replace('target="bench"', f'target="{target}"')
    pipe = r.pipeline(transaction=False)
    record_and_publish(pipe, CHANNEL, [topic], text, json.dumps({"topics": [topic], "stream": text})[:-1],
                       f"bench-{seq}", 200, 300)
    pipe.execute()


def run_resume(clients: Clients, r, topic: str, opts, result: dict) -> None:
    """--resume-sockets sockets go away; --resume-streams streams (each to its own target: none supersedes another)
    are published meanwhile; they come back asking for what they missed since their last offset."""
    from app.live.history import current_offset

    epoch = current_offset(r).split(":")[0]  # what a page render makes: the history's epoch
    publish_kept(r, topic, RESUME_BASE - 1)  # every socket applies one stream with an offset
    expected = sum(clients.ask("still_open"))
    deadline = time.time() + 15
    while time.time() < deadline and sum(clients.ask("received", RESUME_BASE - 1)) < expected:
        time.sleep(0.05)
    share = -(-opts.resume_sockets // len(clients.pipes))
    dropped = sum(clients.ask("drop", share))
    time.sleep(1)  # the gateway has seen them go
    for k in range(opts.resume_streams):
        publish_kept(r, topic, RESUME_BASE + k, target=f"bench-{k}")
    answers = clients.ask("resume", epoch)
    caught_up = array("d")
    for a in answers:
        caught_up.frombytes(a["caught_up"])
    received = sum(a["received"] for a in answers)
    result.update(resume_dropped=dropped, resume_resumed=sum(a["resumed"] for a in answers),
                  resume_missed=dropped * opts.resume_streams - received,
                  resume_refreshed=sum(a["refreshed"] for a in answers), resume_caught_up=percentiles(caught_up))


def gateway_metrics(port: int | None) -> str:
    """The gateway's /metrics (all its processes); empty without a gateway."""
    if port is None:
        return ""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        return response.read().decode()


def delivery_buckets(port: int | None) -> dict[float, float]:
    """The gateway's histogram from publish to the write to its last socket, cumulative counts by upper bound in
    seconds."""
    return {float(le): float(count) for le, count in DELIVERY_BUCKET.findall(gateway_metrics(port))}


def superseded(port: int | None) -> int:
    """Streams the gateway left out of slow clients' backlogs because a later one updated the same target."""
    found = SUPERSEDED.search(gateway_metrics(port))
    return int(float(found[1])) if found else 0


def histogram_quantiles(before: dict[float, float], after: dict[float, float]) -> tuple[float, float, float] | None:
    """p50, p95, p99 in milliseconds of what was observed between two readings, interpolated within buckets as
    Prometheus' histogram_quantile does (the last finite bound when it falls past it)."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    if not counts or counts[-1] <= 0:
        return None
    result = []
    for q in (0.50, 0.95, 0.99):
        rank, lower, below = q * counts[-1], 0.0, 0.0
        for bound, count in zip(bounds, counts, strict=True):
            if count >= rank:
                value = lower if bound == float("inf") else lower + (bound - lower) * (rank - below) / max(
                    count - below, 1e-9)
                break
            lower, below = bound, count
        result.append(value * 1000)
    return tuple(result)


def run_held(clients: Clients, server_pid, r, topic: str, opts, gateway_port: int, result: dict) -> None:
    """The gateway alone: the clients stop reading (what arrives waits in their kernel buffers), --broadcasts
    broadcasts are published a second apart, and the gateway's own figures say how long it took to write each to
    its last socket, and the CPU it used, with the cores to itself; then the clients read again."""
    clients.ask("hold")
    written_before, cpu_before = delivery_buckets(gateway_port), cpu_seconds(server_pid())
    for k in range(opts.broadcasts):
        publish(r, topic, HELD_BASE + k)
        time.sleep(1)
    result["held_written"] = histogram_quantiles(written_before, delivery_buckets(gateway_port))
    result["held_cpu_ms"] = (cpu_seconds(server_pid()) - cpu_before) * 1000 / max(1, opts.broadcasts)
    clients.ask("release")
    expected = sum(clients.ask("still_open"))
    deadline = time.time() + 30
    while time.time() < deadline and sum(clients.ask("received", HELD_BASE + opts.broadcasts - 1)) < expected:
        time.sleep(0.1)


def run_setup(name: str, clients: Clients, server_pid, web_base: str, r, topics: tuple[str, str], opts,
              sockets: int, subscribers: int, gateway_port: int | None) -> dict:
    result: dict = {"name": name, "requested": sockets, "subscribers": subscribers}
    result["page_idle"] = page_p95(web_base, opts.page_requests)
    before = sum(rss_kb(pid) for pid in server_pid())
    started = time.time()
    opened = clients.ask("open", timeout=opts.max_seconds)
    result["connect_seconds"] = time.time() - started
    result["connected"] = sum(o["connected"] for o in opened)
    errors: dict[str, int] = {}
    for o in opened:
        for k, v in o["errors"].items():
            errors[k] = errors.get(k, 0) + v
    result["errors"] = errors
    time.sleep(2)  # let the server settle (buffers, presence marks) before reading its memory
    result["rss_per_socket_kb"] = ((sum(rss_kb(pid) for pid in server_pid()) - before) / result["connected"]
                                   if result["connected"] else None)
    result["page_busy"] = page_p95(web_base, opts.page_requests)

    latencies = array("d")
    written_before = delivery_buckets(gateway_port)
    client_pids = [proc.pid for proc in clients.procs]
    cpu_before = cpu_seconds(server_pid()), cpu_seconds(client_pids)
    for seq in range(opts.broadcasts):
        expected = sum(clients.ask("still_open"))
        publish(r, topics[0], seq)
        deadline = time.time() + 15
        while time.time() < deadline and sum(clients.ask("received", seq)) < expected:
            time.sleep(0.05)
        time.sleep(0.5)
    for chunk in clients.ask("broadcast_latencies", list(range(opts.broadcasts))):
        latencies.frombytes(chunk)
    result["broadcast_deliveries"] = len(latencies)
    result["broadcast_expected"] = opts.broadcasts * result["connected"]
    result["broadcast"] = percentiles(latencies)
    result["broadcast_written"] = histogram_quantiles(written_before, delivery_buckets(gateway_port))
    # CPU per broadcast (the phase's pauses cost next to nothing): what the machine's cores must find for each
    result["broadcast_cpu_ms"] = [(cpu_seconds(pids) - before) * 1000 / max(1, opts.broadcasts)
                                  for pids, before in zip((server_pid(), client_pids), cpu_before, strict=True)]

    if gateway_port is not None:
        run_held(clients, server_pid, r, topics[0], opts, gateway_port, result)

    clients.ask("sustain_reset")
    superseded_before = superseded(gateway_port)
    cpu_before = cpu_seconds(server_pid()), cpu_seconds(client_pids)
    interval, sent, t0 = 1 / opts.rate, 0, time.time()
    while time.time() - t0 < opts.sustain_seconds:
        publish(r, topics[1], SUSTAIN_BASE + sent)
        sent += 1
        pause = t0 + sent * interval - time.time()
        if pause > 0:
            time.sleep(pause)
    busy = time.time() - t0
    result["sustain_cores"] = [(cpu_seconds(pids) - before) / busy
                               for pids, before in zip((server_pid(), client_pids), cpu_before, strict=True)]
    time.sleep(5)  # what is in flight arrives
    answers = clients.ask("sustain_collect")
    kept = sum(a["open"] for a in answers)
    received = sum(a["received"] for a in answers)
    sustained = array("d")
    for a in answers:
        sustained.frombytes(a["latencies"])
    coalesced = superseded(gateway_port) - superseded_before  # a slow client was sent the latest instead
    result.update(sent=sent, sustain_rate=sent / opts.sustain_seconds, kept=kept, received=received,
                  coalesced=coalesced, lost=sent * kept - received - coalesced,
                  dropped=sum(a["dropped"] for a in answers),
                  sustain=percentiles(sustained))
    if name.startswith("gateway") and opts.resume_sockets:
        run_resume(clients, r, topics[0], opts, result)
    return result


# -- the report ------------------------------------------------------------------------------------
def fmt_ms(p) -> str:
    return "n/a" if p is None else f"{p[0]:.0f} / {p[1]:.0f} / {p[2]:.0f}"


def fmt_page(page) -> str:
    p95, timeouts = page
    return f">= {p95:.0f} ({timeouts} timeouts)" if timeouts else f"{p95:.1f}"


def fmt_ratio(busy, idle) -> str:
    return (">= " if busy[1] else "") + f"{busy[0] / idle[0]:.2f}x"


def report(results: list[dict], opts) -> str:
    rows = [
        ("sockets connected", "10,000",
         lambda x: f"{x['connected']:,} / {x['requested']:,}" + (f" {x['errors']}" if x["errors"] else "")),
        ("time to connect them (s)", "", lambda x: f"{x['connect_seconds']:.1f}"),
        ("server memory per socket (KB)", "< 50",
         lambda x: "n/a" if x["rss_per_socket_kb"] is None else f"{x['rss_per_socket_kb']:.1f}"),
        ("one broadcast to all: p50 / p95 / p99 (ms)", "p95 < 100, p99 < 250", lambda x: fmt_ms(x["broadcast"])),
        ("  deliveries / expected", "", lambda x: f"{x['broadcast_deliveries']:,} / {x['broadcast_expected']:,}"),
        ("  written to the last socket, gateway side: p50 / p95 / p99 (ms)", "",
         lambda x: fmt_ms(x.get("broadcast_written"))),
        ("  the gateway alone (clients not reading): written to the last socket p50 / p95 / p99 (ms)", "",
         lambda x: fmt_ms(x.get("held_written"))),
        ("  the gateway alone: its CPU per broadcast (ms)", "",
         lambda x: f"{x['held_cpu_ms']:.0f}" if "held_cpu_ms" in x else "n/a"),
        ("  CPU per broadcast: server / clients (ms)", "",
         lambda x: "n/a" if "broadcast_cpu_ms" not in x else "{:.0f} / {:.0f}".format(*x["broadcast_cpu_ms"])),
        ("GET /login p95 idle (ms)", "", lambda x: fmt_page(x["page_idle"])),
        ("GET /login p95 with the sockets open (ms)", "", lambda x: fmt_page(x["page_busy"])),
        ("  ratio busy / idle", "<= 1.2x", lambda x: fmt_ratio(x["page_busy"], x["page_idle"])),
        (f"sustained: broadcasts/s for {opts.sustain_seconds:g} s", "100",
         lambda x: f"{x['sustain_rate']:.0f} to {x['subscribers']:,} subscribers"),
        ("  delivered / sent x kept sockets", "",
         lambda x: f"{x['received']:,} / {x['sent'] * x['kept']:,}"),
        ("  superseded: left out for a slow client, which got a later update of the same target", "",
         lambda x: f"{x['coalesced']:,}" if "coalesced" in x else "n/a"),
        ("  lost, or not there 5 s after the last send", "0", lambda x: f"{x['lost']:,}"),
        ("  dropped slow clients", "", lambda x: f"{x['dropped']:,}"),
        ("  cores busy while sending: server / clients", "",
         lambda x: "n/a" if "sustain_cores" not in x else "{:.2f} / {:.2f}".format(*x["sustain_cores"])),
        ("  latency p50 / p95 / p99 (ms)", "", lambda x: fmt_ms(x["sustain"])),
        ("resume: sockets away, streams published meanwhile", "",
         lambda x: f"{x['resume_dropped']:,}, {opts.resume_streams}" if "resume_dropped" in x else "n/a"),
        ("  missed after resuming", "0", lambda x: f"{x['resume_missed']:,}" if "resume_dropped" in x else "n/a"),
        ("  refreshed instead of caught up", "0",
         lambda x: f"{x['resume_refreshed']:,}" if "resume_dropped" in x else "n/a"),
        ("  reconnect to caught up: p50 / p95 / p99 (ms)", "",
         lambda x: fmt_ms(x["resume_caught_up"]) if "resume_dropped" in x else "n/a"),
    ]
    head = ["", "target"] + [x["name"] for x in results]
    table = [head, ["---"] * len(head)]
    for label, target, cell in rows:
        table.append([label, target] + [cell(x) for x in results])
    return "\n".join("| " + " | ".join(row) + " |" for row in table)


def write_json(path: Path, results: list[dict], opts) -> None:
    """The results and the options they were measured with, for bench/run.py's fan-out rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "options": vars(opts),
               "results": results}
    path.write_text(json.dumps(payload, indent=2, default=str))
    print(f"wrote {path}")


# -- the run ---------------------------------------------------------------------------------------
def numbers(listed: str) -> list[int]:
    return [int(x) for x in listed.split(",") if x.strip()]


def gateway_name(processes: int) -> str:
    """bench/run.py's fan-out rows find the setups by these names."""
    return "gateway" if processes == 1 else f"gateway x{processes}"


def seed(env: dict) -> tuple[str, int, int]:
    """An organization and its owner; returns the owner's session cookie, their id and the organization's."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Membership, Organization, Role, User
    from app.passwords import hash_password

    app = create_app()
    with app.app_context():
        upgrade()
        org = Organization(name="Bench Inc", organization_type="company")
        user = User(email="owner@bench.test", name="Bench Owner", password_hash=hash_password("password"))
        db.session.add_all([org, user])
        db.session.commit()
        db.session.add(Membership(organization_id=org.id, user_id=user.id, role=Role.OWNER.value))
        db.session.commit()
        return session_cookie(app, user), user.id, org.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=10_000, help="sockets on the gateway")
    parser.add_argument("--gateway-processes", default="1,2",
                        help="gateway setups to compare, comma-separated process counts (`flask gateway --processes`)")
    parser.add_argument("--baseline-threads", default="",
                        help="gthread setups to compare, comma-separated thread counts (each holds that many "
                             "sockets); only on a checkout whose web process still served /turbo-stream")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--concurrency", type=int, default=50, help="connects in flight per client process")
    parser.add_argument("--broadcasts", type=int, default=5, help="single broadcasts to every socket")
    parser.add_argument("--subscribers", type=int, default=1000, help="sockets on the sustained topic")
    parser.add_argument("--rate", type=float, default=100, help="sustained broadcasts per second")
    parser.add_argument("--sustain-seconds", type=float, default=30)
    parser.add_argument("--page-requests", type=int, default=200, help="GET /login per p95 figure")
    parser.add_argument("--resume-sockets", type=int, default=1000, help="sockets that go away and resume (0: none)")
    parser.add_argument("--resume-streams", type=int, default=100, help="streams published while they are away")
    parser.add_argument("--max-seconds", type=int, default=1200, help="the whole run stops after this long")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write the results there (bench/run.py shows them as its fan-out rows)")
    opts = parser.parse_args()
    raise_nofile()

    def out_of_time(signum, frame):
        raise Timeout(f"the benchmark ran longer than --max-seconds={opts.max_seconds}")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(opts.max_seconds)

    tmp = Path(tempfile.mkdtemp(prefix="timeboard-stream-bench-"))
    redis_server, redis_port = start_redis(tmp, maxclients=10000)
    env = {**os.environ, "APP_ENV": "test", "RATELIMIT_ENABLED": "0", "SECRET_KEY": "stream-bench-secret",
           "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
           "PYTHONUNBUFFERED": "1", "FLASK_APP": "wsgi", "WEB_HOST": "127.0.0.1"}
    servers: list[Server] = []
    clients: Clients | None = None
    results = []
    try:
        import redis

        r = redis.Redis(port=redis_port)
        cookie, user_id, org_id = seed(env)
        topics = (f"dashboard:org:{org_id}", f"user:{user_id}")  # every socket; the sustained subscribers
        query_all, query_both = f"?topic={topics[0]}", f"?topic={topics[0]}&topic={topics[1]}"
        print(f"{opts.sockets:,} sockets on the gateway; gateway processes: {opts.gateway_processes}; baselines: "
              f"gthread {opts.baseline_threads or 'none'}; {opts.clients} client processes; {os.cpu_count()} cores",
              flush=True)

        setups = [(gateway_name(n), None, opts.sockets, n) for n in numbers(opts.gateway_processes)]
        setups += [(f"gthread {t}", t, t, 0) for t in numbers(opts.baseline_threads)]
        for name, threads, sockets, processes in setups:
            print(f"-- {name}: {sockets:,} sockets", flush=True)
            web, web_base = start_web(tmp, env, threads or 64)
            servers.append(web)
            if threads is None:
                gateway, port = start_gateway(tmp, env, processes=processes)
                servers.append(gateway)
                ws_base = f"ws://127.0.0.1:{port}/turbo-stream"
                server_pids = lambda g=gateway: [g.proc.pid, *children(g.proc.pid)]  # noqa: E731  (and its processes)
            else:
                ws_base = web_base.replace("http://", "ws://") + "/turbo-stream"
                server_pids = lambda w=web: children(w.proc.pid)  # noqa: E731  (the gunicorn worker)
            subscribers = min(opts.subscribers, sockets)
            clients = Clients(opts.clients, ws_base + query_all, ws_base + query_both, cookie, sockets, subscribers,
                              opts.concurrency)
            results.append(run_setup(name, clients, server_pids, web_base, r, topics, opts, sockets, subscribers,
                                     port if threads is None else None))
            clients.stop()
            clients = None
            for server in reversed(servers):
                server.stop()
            servers.clear()
            print(json.dumps({k: v for k, v in results[-1].items()}, default=str), flush=True)
        print()
        print(report(results, opts))
        if opts.json:
            write_json(opts.json, results, opts)
        return 0
    finally:
        signal.alarm(0)
        if clients is not None:
            clients.stop()
        for server in servers:
            server.stop()
        redis_server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
