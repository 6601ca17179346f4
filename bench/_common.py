"""What the benchmarks share: free ports, real processes (redis-server, gunicorn, the gateway, workers) that
are stopped with their whole process group, a signed session cookie, and the statistics they print.

Imported by bench/run.py, bench/seed_bench.py and bench/stream_bench.py (each puts the project root on
sys.path first, so `bench._common` and `app` both import).
"""
from __future__ import annotations

import resource
import statistics
import sys
import time
from pathlib import Path

from devtools.processes import ROOT, Server, free_port, start_redis, wait_for_http

__all__ = ["ROOT", "Server", "free_port", "start_redis", "wait_for_http"]


# -- statistics ------------------------------------------------------------------------------------------
def percentiles(values) -> tuple[float, float, float] | None:
    """p50, p95, p99 in milliseconds of durations in seconds (nearest rank); None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return pick(0.50), pick(0.95), pick(0.99)


def timed_ms(fn) -> float:
    """One call of fn, in milliseconds."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def median_ms(fn, runs: int) -> float:
    """Median of `runs` calls of fn, in milliseconds."""
    return statistics.median(timed_ms(fn) for _ in range(runs))


# -- ports, HTTP and processes: devtools/processes.py, shared with the tests --------------------------------
def raise_nofile() -> None:
    """Soft open-files limit up to the hard one (20,000 here): one fd per socket."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- the app's processes ---------------------------------------------------------------------------------
def start_web(tmp: Path, env: dict, threads: int = 64, name: str = "web", wait: bool = True) -> tuple[Server, str]:
    """One gunicorn web process (gthread, `threads` threads) on a free port; returns it and its base URL, once
    /healthz answers (at once with wait=False: then wait_for_http(base + "/healthz") yourself)."""
    port = free_port()
    web_env = {**env, "PORT": str(port), "WEB_CONCURRENCY": "1", "WEB_THREADS": str(threads)}
    server = Server([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--backlog", "4096",
                     "wsgi:app"], tmp / f"{name}-{threads}.log", web_env, preexec_fn=raise_nofile)
    base = f"http://127.0.0.1:{port}"
    if wait:
        wait_for_http(base + "/healthz")
    return server, base


def start_gateway(tmp: Path, env: dict, port: int | None = None, wait: bool = True,
                  processes: int = 1) -> tuple[Server, int]:
    """`flask gateway` (`processes` processes on one port) on a free port (or `port`), once its /healthz answers (at
    once with wait=False)."""
    port = port or free_port()
    server = Server([sys.executable, "-m", "flask", "--app", "wsgi", "gateway", "--host", "127.0.0.1",
                     "--port", str(port), "--processes", str(processes)], tmp / "gateway.log", env,
                    preexec_fn=raise_nofile)
    if wait:
        wait_for_http(f"http://127.0.0.1:{port}/healthz")
    return server, port


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def session_cookie(app, user) -> str:
    """The Cookie header a signed-in browser of `user` sends, signed with the app's own serializer."""
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": user.get_id(), "_fresh": True})
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={value}"
