"""`flask gateway --processes N`: N gateway processes on one port, so that a broadcast uses every core.

The supervisor binds N listening sockets to the port with SO_REUSEPORT (the kernel spreads new connections over
them by a hash of the client's address and port) and starts one `flask gateway --fd` child per socket. Each child
is a whole gateway (app/live/gateway/server.py): it subscribes to Redis itself, so every message reaches every
process once and each writes it to its own sockets; presence, history and acknowledgements need nothing shared
beyond Redis. The supervisor keeps the listening sockets: a child that dies is started again on the same one, and
connections that arrive meanwhile wait in its backlog instead of being refused. Every child writes its metrics
to PROMETHEUS_MULTIPROC_DIR (a private one when none is set) and any of them answers /metrics for all
(app/live/gateway/metrics.py). SIGTERM or SIGINT stops the children (each closes its sockets with 1001), then
the supervisor.
"""
from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from prometheus_client import multiprocess

from app.config import child_environment
from app.live.gateway.hub import CLOSE_TIMEOUT

log = logging.getLogger(__name__)

BACKLOG = 4096  # connections the kernel queues per socket: a reconnecting herd, or a child being restarted
QUICK_DEATH = 5.0  # seconds: a child that dies sooner than this after its start is restarted after a growing pause
MAX_PAUSE = 30.0
STOP_GRACE = CLOSE_TIMEOUT + 5  # seconds a child may take to close its sockets before it is killed


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets bound to one address with SO_REUSEPORT, listening. OSError when the port is taken."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


@dataclass
class Child:
    sock: socket.socket
    proc: subprocess.Popen | None = None
    started: float = 0.0
    pause: float = 1.0
    restart_at: float | None = field(default=0.0)  # monotonic time of its next start (None: running)


class Supervisor:
    def __init__(self, sockets: list[socket.socket], env: dict[str, str], metrics_dir: str, address: list[str]):
        self.children = [Child(sock) for sock in sockets]
        self.env, self.metrics_dir, self.address = env, metrics_dir, address
        self.stopping = False

    def start(self, child: Child) -> None:
        fd = child.sock.fileno()
        child.proc = subprocess.Popen([sys.executable, "-m", "flask", "gateway", *self.address, "--fd", str(fd)],
                                      pass_fds=(fd,), env=self.env)
        child.started, child.restart_at = time.monotonic(), None

    def reap(self, child: Child) -> None:
        """A child that exited on its own: started again, after a pause that grows while it keeps dying young."""
        code = child.proc.returncode
        multiprocess.mark_process_dead(child.proc.pid, self.metrics_dir)  # its open sockets count no more
        lived = time.monotonic() - child.started
        child.pause = min(MAX_PAUSE, child.pause * 2) if lived < QUICK_DEATH else 1.0
        child.restart_at = time.monotonic() + child.pause
        log.error("gateway process %s exited (%s) after %.0f s; starting another in %.0f s", child.proc.pid, code,
                  lived, child.pause)

    def run(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is not None and now >= child.restart_at:
                    self.start(child)
                elif child.restart_at is None and child.proc.poll() is not None:
                    self.reap(child)
            time.sleep(0.2)
        self.stop_children()

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def stop_children(self) -> None:
        running = [c.proc for c in self.children if c.restart_at is None and c.proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for proc in running:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("gateway process %s did not stop in %s s; killed", proc.pid, STOP_GRACE)
                proc.kill()
                proc.wait()
                multiprocess.mark_process_dead(proc.pid, self.metrics_dir)
        for child in self.children:
            child.sock.close()


def supervise(app_import: str | None, host: str, port: int, processes: int, metrics_dir: str) -> None:
    """Run `processes` gateways on host:port until SIGTERM or SIGINT, their metrics in `metrics_dir`
    (PROMETHEUS_MULTIPROC_DIR; a private directory when empty). OSError when the port cannot be bound."""
    sockets = listening_sockets(host, port, processes)
    private_dir = None
    if not metrics_dir:
        private_dir = metrics_dir = tempfile.mkdtemp(prefix="timeboard-gateway-metrics-")
    env = child_environment(PROMETHEUS_MULTIPROC_DIR=metrics_dir, **({"FLASK_APP": app_import} if app_import else {}))
    log.info("stream gateway: %s processes on ws://%s:%s/turbo-stream", processes, host, port)
    try:
        Supervisor(sockets, env, metrics_dir, ["--host", host, "--port", str(port)]).run()
    finally:
        if private_dir:
            shutil.rmtree(private_dir, ignore_errors=True)
