"""The RQ workers as the job monitor shows them: queues, current job and for how long, last heartbeat, jobs
done and failed, and whether the worker is lost (no heartbeat for LOST_AFTER, or its process on this machine is
gone). Every function raises redis.RedisError when Redis is down.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rq import Worker

from app.background.reconcile import PID_NAMESPACE_FIELD, local_process_gone
from app.models import utcnow
from app.redis_client import get_redis

# An idle worker heartbeats every few seconds (app/background/worker.py polls paused queues); a forking one
# every 5 s while its horse runs. A non-forking worker is silent while it runs a job (at most its timeout).
LOST_AFTER = 150  # seconds


@dataclass
class WorkerInfo:
    name: str
    hostname: str | None
    pid: int | None
    queues: list[str]
    state: str
    current_job_id: str | None
    current_job_since: datetime | None
    last_heartbeat: datetime | None
    successful: int
    failed: int
    working_seconds: float
    lost: bool

    @property
    def display_state(self) -> str:
        return "lost" if self.lost else self.state

    def busy_for(self, now: datetime | None = None) -> int | None:
        if self.current_job_since is None:
            return None
        return max(0, int(((now or utcnow()) - self.current_job_since).total_seconds()))


def _naive(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=None) if value is not None else None


def workers(now: datetime | None = None) -> list[WorkerInfo]:
    r = get_redis()
    now = now or utcnow()
    found = []
    for worker in Worker.all(connection=r):
        heartbeat = _naive(worker.last_heartbeat)
        namespace = r.hget(worker.key, PID_NAMESPACE_FIELD)
        gone = local_process_gone(worker.hostname, worker.pid, namespace.decode() if namespace else None)
        stale = heartbeat is None or (now - heartbeat).total_seconds() > LOST_AFTER
        job_id = worker.get_current_job_id()
        since = None
        if job_id:
            job = worker.get_current_job()
            since = _naive(job.started_at) if job is not None else None
        found.append(WorkerInfo(
            name=worker.name, hostname=worker.hostname, pid=worker.pid, queues=worker.queue_names(),
            state=str(worker.get_state()), current_job_id=job_id, current_job_since=since, last_heartbeat=heartbeat,
            successful=worker.successful_job_count, failed=worker.failed_job_count,
            working_seconds=worker.total_working_time, lost=gone or stale,
        ))
    return sorted(found, key=lambda w: w.name)


def states(now: datetime | None = None) -> dict[str, int]:
    """How many workers per displayed state (busy, idle, suspended, lost...): what /metrics reports."""
    counts: dict[str, int] = {}
    for info in workers(now):
        counts[info.display_state] = counts.get(info.display_state, 0) + 1
    return counts


def by_queue(infos: list[WorkerInfo]) -> dict[str, list[str]]:
    """Queue name -> names of the live workers serving it."""
    serving: dict[str, list[str]] = {}
    for info in infos:
        if not info.lost:
            for queue in info.queues:
                serving.setdefault(queue, []).append(info.name)
    return serving
