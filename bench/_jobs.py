"""Job throughput: N jobs through our path (app.background.enqueue + `flask jobs worker`) against bare RQ
(rq.Queue.enqueue of the same function + a plain rq worker of the same class, bench/_bare_rq_worker.py), per
worker class (forking, and non-forking when `flask jobs worker --no-fork` exists).

Jobs/s = N / wall time from the first enqueue to the moment RQ's registries hold all N as finished (or failed),
polled every 5 ms; the worker is started, and registered, before the first enqueue. Redis is flushed between
series. No-op jobs: kind "echo" (jobs.diagnostics.echo); dashboard jobs: "dashboard_data" of N distinct user
dashboards (recompute_later, the path a page or a change takes), all marked watched so that each one computes.
"""
from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass

from bench._common import Server, flask_command

QUEUES = ["dashboard", "default"]  # dashboard jobs; no-op ("echo") jobs
JOB_TIMEOUT = 300  # seconds a series may take before it is reported as failed


@dataclass(frozen=True)
class WorkerClass:
    name: str  # "forking", "non-forking"
    ours: list[str] | None  # extra arguments of `flask jobs worker`; None: not available
    bare_simple: bool


def no_fork_flag_available() -> bool:
    """Does `flask jobs worker` take --no-fork yet (the lead adds it in app/background/worker.py)?"""
    from app.cli.jobs import worker_command

    return any("--no-fork" in [*p.opts, *p.secondary_opts] for p in worker_command.params)


def worker_classes() -> list[WorkerClass]:
    return [WorkerClass("forking", [], False),
            WorkerClass("non-forking", ["--no-fork"] if no_fork_flag_available() else None, True)]


def start_our_worker(tmp, env, queues: list[str], extra: list[str]) -> Server:
    return Server(flask_command("jobs", "worker", *queues, *extra), tmp / "worker-ours.log", env)


def start_bare_worker(tmp, env, queues: list[str], simple: bool) -> Server:
    args = [sys.executable, "bench/_bare_rq_worker.py", *(["--simple"] if simple else []), *queues]
    return Server(args, tmp / "worker-bare.log", env)


def wait_until_listening(connection, queues: list[str], server: Server, timeout: float = 60) -> None:
    """Until a worker listening on all these queues has registered."""
    from rq import Worker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(set(queues) <= set(w.queue_names()) for w in Worker.all(connection=connection)):
            return
        if server.proc.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{server.output()[-2000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"no worker listened on {', '.join(queues)} within {timeout}s:\n{server.output()[-2000:]}")


def done_count(connection, queue: str) -> int:
    from rq.registry import FailedJobRegistry, FinishedJobRegistry

    return (FinishedJobRegistry(queue, connection=connection).count
            + FailedJobRegistry(queue, connection=connection).count)


def failed_count(connection, queue: str) -> int:
    from rq.registry import FailedJobRegistry

    return FailedJobRegistry(queue, connection=connection).count


@dataclass
class Throughput:
    jobs: int
    seconds: float
    failed: int

    @property
    def per_second(self) -> float:
        return self.jobs / self.seconds


def timed_series(connection, queue: str, enqueue_all) -> Throughput:
    """enqueue_all() enqueues the series and returns how many; wall time until all of them are done."""
    started = time.perf_counter()
    count = enqueue_all()
    deadline = time.monotonic() + JOB_TIMEOUT
    while done_count(connection, queue) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} jobs on {queue} did not finish within {JOB_TIMEOUT}s")
        time.sleep(0.005)
    return Throughput(jobs=count, seconds=time.perf_counter() - started, failed=failed_count(connection, queue))


def with_worker(start, connection, measure):
    """Start a worker, wait until it listens, measure, stop it, flush Redis."""
    server = start()
    try:
        wait_until_listening(connection, QUEUES, server)
        return measure()
    finally:
        server.stop()
        connection.flushdb()


# -- what is enqueued ----------------------------------------------------------------------------------------
def enqueue_noop_ours(n: int) -> int:
    from app.background.enqueue import enqueue

    for i in range(n):
        enqueue("echo", str(i))
    return n


def enqueue_noop_bare(connection, n: int) -> int:
    from rq import Queue

    queue = Queue("default", connection=connection)
    for i in range(n):
        queue.enqueue("jobs.diagnostics.echo", str(i))
    return n


def enqueue_dashboards_ours(keys) -> int:
    """recompute_later (coalesced, unthrottled: what a page view asks for) of each dashboard."""
    from app.dashboards.recompute import recompute_later
    from app.live import presence

    presence.mark_watched(keys)
    return recompute_later(keys)


def enqueue_dashboards_bare(connection, keys) -> int:
    from rq import Queue

    from app.live import presence

    presence.mark_watched(keys)
    queue = Queue("dashboard", connection=connection)
    for key in keys:
        queue.enqueue("jobs.dashboard.recompute_dashboard", str(key))
    return len(keys)


def one_at_a_time(connection, keys) -> None:
    """Each dashboard's job alone: enqueued once the previous one is done, so nothing else runs beside it."""
    for key in keys:
        before = done_count(connection, "dashboard")
        enqueue_dashboards_ours([key])
        deadline = time.monotonic() + JOB_TIMEOUT
        while done_count(connection, "dashboard") <= before:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the job of {key} did not finish within {JOB_TIMEOUT}s")
            time.sleep(0.005)


def worker_times_ms(keys, since) -> list[float]:
    """JobStatus finished_at - started_at of these dashboards' jobs enqueued since `since` (what the worker spent on
    each, as tracked)."""
    from app.extensions import db
    from app.models import JobStatus

    db.session.expire_all()
    rows = db.session.execute(db.select(JobStatus.started_at, JobStatus.finished_at).where(
        JobStatus.coalesce_key.in_([str(k) for k in keys]), JobStatus.enqueued_at >= since)).all()
    db.session.remove()
    return [(f - s).total_seconds() * 1000 for s, f in rows if s and f]


def user_dashboard_keys(n: int):
    from app.extensions import db
    from app.live.topics import DashboardKey
    from app.models import User

    ids = db.session.scalars(db.select(User.id).order_by(User.id).limit(n)).all()
    db.session.remove()
    return [DashboardKey("user", i) for i in ids]


@dataclass
class JobFigures:
    worker_class: str
    noop_ours: Throughput | None
    noop_bare: Throughput
    dashboard_ours: Throughput | None
    dashboard_bare: Throughput
    worker_ms: float | None  # median JobStatus time of our dashboard jobs run one at a time
    compute_ms: float  # median in-process computation of the same dashboards
    function_ms: float  # median in-process run of the job's function (compute, cache, render, publish)


def measure_jobs(tmp, env, connection, worker_class: WorkerClass, noop_jobs: int, dashboard_jobs: int,
                 alone: int) -> JobFigures:
    """One worker of each path (listening on both queues) runs the no-op series, then the dashboard series; ours
    then runs `alone` dashboard jobs one at a time, whose JobStatus times are set against their computation."""
    from app.models import utcnow
    from bench._computation import median_compute_ms, median_job_function_ms

    connection.flushdb()
    keys = user_dashboard_keys(dashboard_jobs)
    noop_ours = dashboard_ours = worker_ms = None
    alone_keys = keys[:alone]
    if worker_class.ours is not None:
        def measure_ours():
            noop = timed_series(connection, "default", lambda: enqueue_noop_ours(noop_jobs))
            dashboards = timed_series(connection, "dashboard", lambda: enqueue_dashboards_ours(keys))
            alone_since = utcnow()
            one_at_a_time(connection, alone_keys)
            return noop, dashboards, alone_since

        noop_ours, dashboard_ours, since = with_worker(
            lambda: start_our_worker(tmp, env, QUEUES, worker_class.ours), connection, measure_ours)
        times = worker_times_ms(alone_keys, since)
        worker_ms = statistics.median(times) if times else None
    noop_bare, dashboard_bare = with_worker(
        lambda: start_bare_worker(tmp, env, QUEUES, worker_class.bare_simple), connection,
        lambda: (timed_series(connection, "default", lambda: enqueue_noop_bare(connection, noop_jobs)),
                 timed_series(connection, "dashboard", lambda: enqueue_dashboards_bare(connection, keys))))
    return JobFigures(worker_class=worker_class.name, noop_ours=noop_ours, noop_bare=noop_bare,
                      dashboard_ours=dashboard_ours, dashboard_bare=dashboard_bare, worker_ms=worker_ms,
                      compute_ms=median_compute_ms(alone_keys), function_ms=median_job_function_ms(alone_keys))
