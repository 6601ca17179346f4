"""Real processes for the tests: a redis-server on a free port, and gunicorn, RQ workers or honcho
started as subprocesses that share the test run's environment (database, Redis) and log to files.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import redis as redis_lib

ROOT = Path(__file__).resolve().parent.parent
TMP = Path(tempfile.mkdtemp(prefix="timeboard-tests-"))  # the run's SQLite file, Redis dir and process logs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(TMP)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis_lib.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            return proc, url
        except redis_lib.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def process_env(**extra) -> dict:
    env = dict(os.environ)
    env.update({"PYTHONUNBUFFERED": "1", "FLASK_APP": "wsgi", "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wait_for_http(url: str, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class Process:
    def __init__(self, args: list[str], log_name: str, **env):
        self.log_path = TMP / f"{log_name}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=process_env(**env), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def request_stop(self) -> None:
        """SIGTERM to its process group, once, without waiting (stop() waits): several processes stop side by
        side. (A second SIGTERM would ask an RQ worker for a cold shutdown.)"""
        if self.proc.poll() is None and not getattr(self, "_stop_requested", False):
            self._stop_requested = True
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.request_stop()
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")
