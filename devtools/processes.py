"""Real processes for tests and benchmarks: free ports, waiting for HTTP, a subprocess in its own session that
stop() ends with its whole process group (gunicorn's workers, RQ's work-horses), and a throwaway redis-server.

Shared by tests/processes.py and bench/_common.py. It lives outside tests/ because importing the tests package
creates the test run's temporary directory, which a benchmark must not do.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30) -> None:
    """Until `url` answers 200; RuntimeError after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class Server:
    """A subprocess in its own session (so stop() reaches its children), started in the project root and
    logging stdout and stderr to a file."""

    def __init__(self, args: list[str], log: Path, env: dict, preexec_fn=None):
        self.log_path = log
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=preexec_fn)

    def request_stop(self) -> None:
        """SIGTERM to its process group, once, without waiting (stop() waits): several processes stop side by
        side. (A second SIGTERM would ask an RQ worker for a cold shutdown.)"""
        if self.proc.poll() is None and not getattr(self, "_stop_requested", False):
            self._stop_requested = True
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def hurry(self) -> None:
        """A second SIGTERM, for a process still busy after request_stop(): an RQ worker then stops cold, ending
        the job it runs instead of finishing it."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.request_stop()
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        if not self.log.closed:
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_redis(directory: Path, maxclients: int | None = None) -> tuple[Server, int]:
    """A throwaway redis-server on a free port (no persistence, files in `directory`), once it answers PING."""
    port = free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(directory)]
    if maxclients:
        args += ["--maxclients", str(maxclients)]
    server = Server(args, directory / f"redis-{port}.log", dict(os.environ))
    client = redis.Redis(port=port)
    deadline = time.time() + 10
    while True:
        try:
            client.ping()
            return server, port
        except redis.ConnectionError:
            if time.time() > deadline:
                server.stop()
                raise
            time.sleep(0.05)
