"""Change -> socket latency: a WebSocket subscribed to an organization dashboard through the real gateway (with the
owner's session cookie), and per round one change saved the way the app saves it: app/time_tracking/timers.py
start_timer / stop_timer (commit, then the live-update hook), in this process. The clock runs from just before
the call to the arrival of the organization summary's `replace` stream on the socket; the round then waits for
the job's last stream (the alert part) so that the next change is a lone one.

Baseline: a stream pushed straight onto the relay (app.live.streams.broadcast_stream: Redis pub/sub -> gateway ->
socket), the delivery path with no job in it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

LIVE = 'target="stream-status"'
ROUND_TIMEOUT = 15.0  # seconds a round waits for its stream before it counts as missed


@dataclass
class Series:
    latencies: list[float]  # seconds
    missed: int
    spacing: str


def open_socket(gateway_port: int, cookie: str, topic: str):
    from websockets.sync.client import connect

    ws = connect(f"ws://127.0.0.1:{gateway_port}/turbo-stream?topic={quote(topic)}",
                 additional_headers={"Cookie": cookie}, open_timeout=10, max_size=None)
    if wait_for(ws, LIVE, 10) is None:
        ws.close()
        raise RuntimeError("the gateway did not send the live handshake")
    return ws


def wait_for(ws, needle: str, timeout: float) -> str | None:
    """The first message containing `needle` within `timeout` seconds (others are dropped); None if none came."""
    from websockets.exceptions import ConnectionClosed

    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = ws.recv(timeout=left)
        except TimeoutError:
            return None
        except ConnectionClosed:
            raise RuntimeError("the gateway closed the benchmark's socket") from None
        if needle in message:
            return message
    return None


def drain(ws, quiet: float = 0.2) -> None:
    """Read until nothing arrives for `quiet` seconds."""
    while wait_for(ws, "", quiet) is not None:
        pass


def toggle_timer(owner_id: int, project_id: int) -> None:
    """Start the owner's timer when none runs, else stop it: one saved change, through the app's own service."""
    from app.extensions import db
    from app.models import Project, User
    from app.time_tracking.timers import start_timer, stop_timer

    db.session.expire_all()
    owner = db.session.get(User, owner_id)
    if owner.running_timer is None:
        start_timer(owner, db.session.get(Project, project_id))
    else:
        stop_timer(owner)
    db.session.remove()


def change_series(ws, subjects, rounds: int, spacing: float | None) -> Series:
    """`rounds` changes; each starts `spacing` seconds after the previous one started (None: as soon as the
    previous job's last stream has arrived, plus 50 ms)."""
    from app.web.helpers import dom_id

    key = subjects.key("org")
    summary, done = f'target="{dom_id(key, "org_summary")}"', f'target="{dom_id(key, "alert")}"'
    latencies, missed, next_start = [], 0, time.perf_counter()
    for _ in range(rounds):
        pause = next_start - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        started = time.perf_counter()
        next_start = started + (spacing or 0)
        toggle_timer(subjects.owner_id, subjects.project_id)
        if wait_for(ws, summary, ROUND_TIMEOUT) is None:
            missed += 1
            continue
        latencies.append(time.perf_counter() - started)
        wait_for(ws, done, ROUND_TIMEOUT)
        if spacing is None:
            next_start = time.perf_counter() + 0.05
    described = (f"a change every {spacing:.2f} s (just over the throttle window)" if spacing
                 else "the next change 50 ms after the previous job's last stream")
    return Series(latencies=latencies, missed=missed, spacing=described)


def relay_series(ws, subjects, rounds: int) -> Series:
    """The baseline: a stream pushed on the relay, to its arrival on the socket."""
    from app.live.publisher import turbo
    from app.live.streams import broadcast_stream

    key = subjects.key("org")
    latencies, missed = [], 0
    for i in range(rounds):
        marker = f"bench-probe-{i}-{time.time_ns()}"
        started = time.perf_counter()
        broadcast_stream(key, turbo.update(marker, "bench-probe"))
        if wait_for(ws, marker, ROUND_TIMEOUT) is None:
            missed += 1
        else:
            latencies.append(time.perf_counter() - started)
        time.sleep(0.02)
    return Series(latencies=latencies, missed=missed, spacing="one push every 20 ms after the previous arrived")
