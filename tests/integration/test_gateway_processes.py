"""Several gateway processes on one port (`flask gateway --processes N`, app/live/gateway/processes.py): every
socket gets every message once, whichever process holds it; the metrics of all of them from any; a process that
dies is started again on the same port, and stopping the supervisor stops them all."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import only_on_leg
from tests.sockets import LIVE, first, open_socket, received, session_cookie

pytestmark = only_on_leg("sqlite", "gateway processes share Redis and the listening port, not the database")

SOCKETS = 40  # spread over two processes by a hash of each client's port: all on one would be 1 in 2**39
MESSAGES = 25


def metrics(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def sockets_per_process(port: int) -> dict[int, int]:
    return {int(pid): int(float(count)) for pid, count in
            re.findall(r'^timeboard_gateway_sockets\{pid="(\d+)"\} ([0-9.]+)$', metrics(port), re.M)}


def wait_for(condition, timeout: float = 15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail("timed out")


def push(app, topic: str, text: str) -> None:
    from app.live.publisher import turbo

    with app.app_context():
        turbo.push(turbo.update(text, "probe"), to=topic)


def numbers(texts: list[str]) -> list[int]:
    return [int(n) for text in texts for n in re.findall(r"message (\d+) of the run", text)]


def received_until(ws, count: int, timeout: float = 5) -> list[int]:
    """The run's message numbers as they arrive, until `count` of them (or none for `timeout` seconds)."""
    got = []
    while len(got) < count:
        try:
            got += numbers([ws.recv(timeout=timeout)])
        except (TimeoutError, ConnectionClosed):
            break
    return got


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_every_socket_gets_every_message_once_whichever_process_holds_it(app, factory, start_gateway):
    w = factory.world()
    topic = f"dashboard:org:{w.org.id}"
    gateway = start_gateway(processes=2)
    cookie = session_cookie(app, w.owner.id)
    sockets = [open_socket(gateway.port, cookie, topic) for _ in range(SOCKETS)]
    try:
        assert all(first(ws, LIVE) for ws in sockets)
        spread = wait_for(lambda: (s := sockets_per_process(gateway.port)) and sum(s.values()) == SOCKETS and s)
        assert len(spread) == 2 and min(spread.values()) > 0, spread  # both processes hold sockets
        assert f"timeboard_gateway_subscriptions{{kind=\"dashboard:org\"}} {float(SOCKETS)}" in metrics(gateway.port)

        for n in range(MESSAGES):
            push(app, topic, f"message {n} of the run")
        for ws in sockets:
            got = []
            while len(got) < MESSAGES and (more := received_until(ws, MESSAGES - len(got))):
                got += more
            assert got == list(range(MESSAGES)), got
        time.sleep(0.3)  # a duplicate would have come right behind its original
        assert not any(numbers(received(ws, timeout=0.02)) for ws in sockets)
        delivered = sum(float(v) for v in re.findall(r"^timeboard_gateway_messages_delivered_total ([0-9.]+)$",
                                                     metrics(gateway.port), re.M))
        assert delivered >= SOCKETS * MESSAGES  # counted by both processes, summed by either
    finally:
        for ws in sockets:
            ws.close()


def test_a_process_that_dies_is_started_again_and_stopping_the_supervisor_stops_all(app, factory, start_gateway):
    w = factory.world()
    topic = f"dashboard:org:{w.org.id}"
    gateway = start_gateway(processes=2)
    first_pids = wait_for(lambda: (s := sockets_per_process(gateway.port)) and len(s) == 2 and set(s))
    victim = min(first_pids)
    os.kill(victim, signal.SIGKILL)
    pids = wait_for(lambda: (s := set(sockets_per_process(gateway.port))) and len(s) == 2 and victim not in s
                    and s)
    assert len(pids - first_pids) == 1  # a new process, in the place of the one that died

    cookie = session_cookie(app, w.owner.id)
    sockets = [open_socket(gateway.port, cookie, topic) for _ in range(10)]
    try:
        assert all(first(ws, LIVE) for ws in sockets)
        push(app, topic, "after the restart")
        assert all(first(ws, "after the restart") for ws in sockets)
    finally:
        for ws in sockets:
            ws.close()

    os.kill(gateway.proc.pid, signal.SIGTERM)  # the supervisor alone, as a process manager stops it
    gateway.proc.wait(timeout=20)
    assert gateway.proc.returncode == 0
    assert not [pid for pid in pids if alive(pid)], "a gateway process outlived its supervisor"


def test_a_taken_port_or_a_bad_count_is_a_clear_error(app, start_gateway):
    gateway = start_gateway()
    for args, message in ((["--port", str(gateway.port), "--processes", "2"], "cannot listen on"),
                          (["--port", str(gateway.port)], "cannot listen on"),
                          (["--processes", "-1"], "Invalid value for '--processes'"),
                          (["--fd", "99"], "is not an open socket")):
        result = subprocess.run([sys.executable, "-m", "flask", "gateway", *args], capture_output=True, text=True,
                                timeout=60, env={**os.environ, "FLASK_APP": "wsgi"})
        assert result.returncode != 0, args
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
