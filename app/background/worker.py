"""The `flask jobs worker` process: an RQ worker that rides out a Redis outage of any length.

Two worker classes, one per kind of work (README, "Processes"):
- TimeboardWorker forks a work-horse per job (RQ's Worker): a job that leaks memory, crashes the
  interpreter or must be killed at its timeout takes only the horse with it. The `worker` and
  `seeding_worker` processes use it for reports, notifications, maintenance and seeding.
- TimeboardSimpleWorker runs each job in the worker process itself (RQ's SimpleWorker), with the app,
  its database pool and its compiled templates loaded once: for the dashboard queue, whose jobs are short
  and many, forking cost more than the work (a fork, a new database connection and Jinja compiling the
  section templates again, for every job). Its timeout is RQ's SIGALRM death penalty, raised inside the
  job; a worker killed outright (SIGKILL) leaves its job to reconciliation, as a dead horse would.

rq 3.0's Worker retries a lost connection while it waits for a job (logging every retry), but dies on
one anywhere else (checking for suspension, heartbeating a running job, registering): work() then
returns or raises. run_worker() supervises it: it waits for Redis with backoff, reconciles the jobs
that a dead worker left behind, and starts a fresh Worker, until a signal asks it to stop. Redis
comes back empty when it ran without persistence, so the worker registers itself again once Redis
answers, and restarts its RQ scheduler (delayed jobs and retries) if the outage killed it.
"""
from __future__ import annotations

import logging
import secrets
import signal
import time
from collections.abc import Callable

import redis
from rq import Queue, SimpleWorker, Worker, worker_registration
from rq.exceptions import StopRequested
from rq.intermediate_queue import IntermediateQueue
from rq.job import JobStatus as RQStatus

from app.background import pause, tracking
from app.background.catalog import KINDS, PERFORM
from app.background.completions import EndsForParent, HeldEnds, take_handed
from app.background.reconcile import PID_NAMESPACE_FIELD, pid_namespace
from app.background.restore import RUNNING_PREFIX, RUNNING_TTL
from app.observability.instruments import JOB_DURATION, JOB_RUNS
from app.redis_client import MAX_DELAY, Outage, wait_for_redis

log = logging.getLogger(__name__)

JOB_MONITORING_INTERVAL = 5  # seconds: keeps RQ's heartbeat fresh (see app.background.reconcile)
QUICK_EXIT = 30  # seconds: a worker that ends sooner than this is restarted only after a backoff
PAUSE_POLL = 2  # seconds: how soon a worker notices that a queue was paused or resumed
PAUSE_FRESH = 1.0  # seconds: the paused set read after the last dequeue still chooses the queues of the next one
OUTCOMES = {RQStatus.FINISHED: "completed", RQStatus.FAILED: "failed", RQStatus.SCHEDULED: "retried",
            RQStatus.QUEUED: "retried", RQStatus.CANCELED: "canceled", RQStatus.STOPPED: "killed"}


class _DropRetryLines(logging.Filter):
    """RQ logs one error per connection retry; the Outage logs the state changes instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "could not connect to Redis instance" not in str(record.msg)


def _quiet_rq_retries() -> None:
    rq_log = logging.getLogger("rq.worker")
    if not any(isinstance(f, _DropRetryLines) for f in rq_log.filters):
        rq_log.addFilter(_DropRetryLines())


class _Supervised:
    """What both worker classes add to RQ's: outage bookkeeping, a pid namespace in the birth record, and
    registering again once a lost Redis answers."""

    max_connection_wait_time = MAX_DELAY  # RQ's own backoff while it waits for a job (default 60 s)

    def __init__(self, *args, outage: Outage, **kwargs):
        super().__init__(*args, **kwargs)
        self.outage = outage
        self.stop_signalled = False
        self._paused_read: tuple[float, set[str]] | None = None  # (when, what) the paused set was last read

    def request_stop(self, signum, frame):
        self.stop_signalled = True
        super().request_stop(signum, frame)

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        if pipeline is not None:  # queued on a pipeline: nothing is sent yet
            return super().heartbeat(timeout, pipeline=pipeline)
        try:
            super().heartbeat(timeout)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self.outage.lost(exc)
            raise
        if self.outage.recovered():
            self._rejoin()

    # -- paused queues (app/background/pause.py) -----------------------------------------------------
    def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None):
        """RQ's dequeue over the queues that are not paused, checked again every PAUSE_POLL seconds; a job
        taken from a queue paused in that instant goes back to the front of its queue."""
        every_queue = list(self._ordered_queues)
        deadline = None if max_idle_time is None else time.monotonic() + max_idle_time
        try:
            while True:
                paused = self._paused(fresh_enough=PAUSE_FRESH)
                active = [q for q in every_queue if q.name not in paused]
                if active:
                    self._ordered_queues = active
                    poll = None if timeout is None else max(1, min(timeout, PAUSE_POLL))
                    result = self._dequeue(poll)
                    if result is not None:
                        job, queue = result
                        if queue.name not in self._paused_asking_presence(job):
                            _write_held_ends(before=job)
                            return result
                        self._put_back(job, queue)
                        continue
                elif timeout is not None:  # every queue paused: stay alive and look again
                    _write_held_ends()
                    try:
                        self.heartbeat()
                        if self.should_run_maintenance_tasks:
                            self.run_maintenance_tasks()
                        self.set_state("idle")
                    except (redis.ConnectionError, redis.TimeoutError):
                        pass  # heartbeat() logged the outage; wait for Redis like RQ's dequeue does
                    time.sleep(PAUSE_POLL)
                if timeout is None or self._stop_requested:  # burst: one look only
                    return None
                if deadline is not None and time.monotonic() >= deadline:
                    return None
        finally:
            self._ordered_queues = every_queue

    # -- brief runs' ends, held between jobs (app/background/completions.py) -------------------------------
    def _dequeue(self, poll: int | None):
        """RQ's dequeue (`poll`: its timeout). With brief runs' ends held, a job that is there now is taken without
        waiting; none there, or the ends held long enough: they are written first."""
        held = tracking.held_ends()
        if held and not held.due():
            result = super().dequeue_job_and_maintain_ttl(None)
            if result is not None:
                return result
        _write_held_ends()
        return super().dequeue_job_and_maintain_ttl(poll, poll)

    def _paused(self, fresh_enough: float = 0) -> set[str]:
        """The paused queues; none while Redis cannot say (RQ's own dequeue then waits for Redis, as before).
        `fresh_enough`: seconds an earlier answer may be reused. Only the choice of queues to listen on takes an
        answer that old (the check after each dequeue, which puts back a job of a queue just paused, always asks),
        so a worker taking job after job reads the set once per job, not twice."""
        if self._paused_read is not None and time.monotonic() - self._paused_read[0] < fresh_enough:
            return self._paused_read[1]
        try:
            names = pause.paused(self.connection)
        except (redis.ConnectionError, redis.TimeoutError):
            return set()
        self._paused_read = (time.monotonic(), names)
        return names

    def _paused_asking_presence(self, job) -> set[str]:
        """The paused queues, read afresh after a dequeue; the same round trip asks which of the job's monitors are
        open, which the runner then takes as the presence of the job's start (app/background/tracking.py)."""
        try:
            with self.connection.pipeline(transaction=False) as pipe:
                pause.ask(pipe)
                presence = tracking.ask_presence(pipe, job)
                results = pipe.execute()
        except (redis.ConnectionError, redis.TimeoutError):
            return set()
        names = pause.answer(results[0])
        self._paused_read = (time.monotonic(), names)
        presence(results)
        return names

    def _put_back(self, job, queue: Queue) -> None:
        with self.connection.pipeline() as pipe:
            pipe.lrem(IntermediateQueue(queue.key, self.connection).key, 1, job.id)
            queue.push_job_id(job.id, pipeline=pipe, at_front=True)
            pipe.execute()
        self.log.info("queue %s is paused: job %s put back", queue.name, job.id)

    # -- job metrics, counted here and not in a forked horse (app/observability/instruments.py) --------------
    def execute_job(self, job, queue):
        started = time.perf_counter()
        try:
            return super().execute_job(job, queue)
        finally:
            # a work-horse records the outcome in Redis; a job run in this process left it on the job object
            _count_job(job, queue.name, time.perf_counter() - started, refresh=not isinstance(self, SimpleWorker))

    def register_birth(self) -> None:
        """RQ's birth record, plus our pid namespace: reconcile may then look this worker's pid up on
        this host (app/background/reconcile.py)."""
        super().register_birth()
        self.connection.hset(self.key, PID_NAMESPACE_FIELD, pid_namespace())

    def _rejoin(self) -> None:
        """Register again (Redis may have restarted empty) and restart the RQ scheduler if it died."""
        with self.connection.pipeline() as pipeline:
            pipeline.hset(self.key, mapping={**self.serialize(), PID_NAMESPACE_FIELD: pid_namespace()})
            worker_registration.register(self, pipeline)
            pipeline.expire(self.key, self.worker_ttl + 60)
            pipeline.execute()
        if self.scheduler and (not self.scheduler._process or not self.scheduler._process.is_alive()):
            self.scheduler.acquire_locks(auto_start=True)


class TimeboardWorker(_Supervised, Worker):
    """Forks a work-horse per job. A brief run's end is handed back to this process, which holds it and writes it
    between jobs (app/background/completions.py): the horse then opens no database connection of its own for it."""

    _handoff = ""  # the token of the run in progress: its horse marks the end it hands back with it

    def execute_job(self, job, queue):
        self._handoff = secrets.token_hex(8)
        return super().execute_job(job, queue)

    def main_work_horse(self, job, queue):
        """In the forked horse: its brief run's end goes back to the worker, when the worker holds ends (before
        RQ's own entry point, which exits the process)."""
        if tracking.held_ends() is not None:
            tracking.hand_brief_ends_to(EndsForParent(self._handoff))
        super().main_work_horse(job, queue)

    def monitor_work_horse(self, job, queue, execution):
        """RQ's wait for the horse, then the end it handed back is taken: while RQ still counts this worker busy, so
        a stop asked meanwhile waits for it (an idle worker stops at once, in the middle of whatever it does)."""
        super().monitor_work_horse(job, queue, execution)
        held = tracking.held_ends()
        if held is not None:
            take_handed(job, self._handoff, held)

    def maintain_heartbeats(self, job, execution):
        """While a job runs, a lost Redis must not abandon the work horse: keep waiting for it."""
        try:
            super().maintain_heartbeats(job, execution)
            # the job's own mark, apart from RQ's records: when Redis comes back empty, the reconciler knows that
            # this job still runs and does not queue it again (app/background/restore.py)
            self.connection.set(RUNNING_PREFIX + job.id, self.name, ex=RUNNING_TTL)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self.outage.lost(exc)
            return
        if self.outage.recovered():
            self._rejoin()


class TimeboardSimpleWorker(_Supervised, SimpleWorker):
    """Runs each job in its own process: no fork, the app and its templates loaded once."""


def _write_held_ends(before=None) -> None:
    """Write the brief runs' ends this process holds, if any (a non-forking worker: app/background/completions.py);
    `before`: a job about to run, which only a kind that is not brief (it may run long) writes them for."""
    held = tracking.held_ends()
    if not held:
        return
    if before is not None:
        try:
            kind = KINDS.get(before.args[0]) if before.func_name == PERFORM and before.args else None
        except Exception:  # noqa: BLE001 - its data does not load: RQ fails the job when it runs it
            kind = None
        if kind is not None and kind.brief:
            return
    held.write()


def _count_job(job, queue: str, seconds: float, refresh: bool = True) -> None:
    try:
        kind = job.args[0] if job.func_name == PERFORM and job.args else "other"
        outcome = OUTCOMES.get(job.get_status(refresh=refresh), "other")
        JOB_RUNS.labels(kind, queue, outcome).inc()
        JOB_DURATION.labels(kind, queue).observe(seconds)
    except StopRequested:  # a stop asked as the worker turned idle: it is the worker's, not a metric's failure
        raise
    except Exception:  # noqa: BLE001 - metrics never stop a worker
        log.exception("could not count job %s", job.id)


def _stop(signum, frame):
    raise SystemExit(0)


def run_worker(connection: redis.Redis, queue_names: list[str], name: str | None = None, burst: bool = False,
               on_start: Callable[[], None] | None = None, fork: bool = True) -> None:
    """Run an RQ worker until a signal stops it (or, with burst, until the queues are empty).

    on_start runs each time Redis answers and before a worker starts taking jobs (reconciliation);
    fork=False runs the jobs in this process (TimeboardSimpleWorker). Either way the worker holds its brief runs'
    ends (a forking one takes them from its horses) and writes them between jobs (app/background/completions.py),
    and before it returns."""
    held = HeldEnds()
    tracking.hand_brief_ends_to(held)
    try:
        return _run_worker(connection, queue_names, name, burst, on_start,
                           TimeboardWorker if fork else TimeboardSimpleWorker)
    finally:
        tracking.hand_brief_ends_to(None)
        held.write()


def _run_worker(connection: redis.Redis, queue_names: list[str], name: str | None, burst: bool,
                on_start: Callable[[], None] | None, worker_class: type[_Supervised]) -> None:
    _quiet_rq_retries()
    outage = Outage("worker", log)
    restart_delay = 0.0
    while True:
        signal.signal(signal.SIGINT, _stop)  # between two workers, a signal just ends the process
        signal.signal(signal.SIGTERM, _stop)
        wait_for_redis(connection, outage)
        if on_start is not None:
            on_start()
        worker = worker_class([Queue(q, connection=connection) for q in queue_names], connection=connection,
                                 name=name, job_monitoring_interval=JOB_MONITORING_INTERVAL, outage=outage)
        started = time.monotonic()
        try:
            worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
        except redis.RedisError as exc:
            outage.lost(exc)
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        if burst or worker.stop_signalled:
            return
        _forget(worker, connection, outage)
        restart_delay = min(max(restart_delay * 2, 1.0), MAX_DELAY) if time.monotonic() - started < QUICK_EXIT else 0
        log.warning("worker %s stopped unexpectedly; starting a new one", worker.name)
        time.sleep(restart_delay)


def _forget(worker: _Supervised, connection: redis.Redis, outage: Outage) -> None:
    """Close what a worker that died on a lost connection left open, so its name can be reused."""
    try:
        worker.unsubscribe()
    except Exception:  # noqa: BLE001 - its pubsub may already be closed
        pass
    wait_for_redis(connection, outage)
    try:
        worker.register_death()
    except redis.RedisError:
        pass
