"""Real processes for the tests: a redis-server on a free port, and gunicorn, RQ workers or honcho
started as subprocesses that share the test run's environment (database, Redis) and log to files.
Ports, waiting and stopping come from devtools/processes.py, which the benchmarks share.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from devtools import processes
from devtools.processes import ROOT, Server, free_port, wait_for_http

__all__ = ["ROOT", "TMP", "Process", "free_port", "process_env", "start_redis", "wait_for_http"]

TMP = Path(tempfile.mkdtemp(prefix="timeboard-tests-"))  # the run's SQLite file, Redis dir and process logs


def start_redis() -> tuple[Server, str]:
    server, port = processes.start_redis(TMP)
    return server, f"redis://127.0.0.1:{port}/0"


def process_env(**extra) -> dict:
    env = dict(os.environ)
    env.update({"PYTHONUNBUFFERED": "1", "FLASK_APP": "wsgi", "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Process(Server):
    """A subprocess with the test run's environment plus `env`, logging to TMP/<log_name>.log."""

    def __init__(self, args: list[str], log_name: str, **env):
        super().__init__(args, TMP / f"{log_name}.log", process_env(**env))
