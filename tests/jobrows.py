"""Job records in bulk for the job monitor's tests: JobStatus rows, and (optionally) their RQ jobs in the failed
registry, written directly (thousands in a second) instead of running each through a worker."""
from __future__ import annotations

import uuid
from datetime import timedelta

from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.registry import FailedJobRegistry

from app.background.catalog import PERFORM, get_kind
from app.models import JobState, JobStatus, utcnow


def job_rows(db, n: int, kind: str = "echo", status: str = JobState.FAILED, age: timedelta = timedelta(minutes=5),
             error: str | None = "boom", args: tuple = ("x",), rq=None, **fields) -> list[str]:
    """Insert n JobStatus rows (and, with `rq` a Redis connection, their RQ jobs: failed ones in the failed
    registry, pending ones queued); returns their RQ ids."""
    spec = get_kind(kind)
    now = utcnow()
    ids = [uuid.uuid4().hex for _ in range(n)]
    finished = status in (JobState.FAILED, JobState.COMPLETED, JobState.CANCELED)
    db.session.execute(db.insert(JobStatus), [dict(
        rq_job_id=job_id, kind=kind, queue=spec.queue, args_summary=JobStatus.summarize_args(args), status=status,
        enqueued_at=now - age - timedelta(seconds=1), started_at=(now - age - timedelta(milliseconds=500)) if finished
        else None, finished_at=(now - age) if finished else None, duration_ms=500 if finished else None,
        attempts=1 if finished else 0, max_attempts=spec.retries + 1,
        error_message=error if status == JobState.FAILED else None, **fields,
    ) for job_id in ids])
    db.session.commit()
    if rq is not None:
        with rq.pipeline() as pipe:
            for job_id in ids:
                job = Job.create(PERFORM, args=(kind, *args), id=job_id, connection=rq, origin=spec.queue,
                                 timeout=spec.timeout, result_ttl=3600, failure_ttl=7 * 86400,
                                 meta={"kind": kind, "user_id": fields.get("user_id"),  # as submit() writes it:
                                       "organization_id": fields.get("organization_id")})  # whose monitors see it
                if status == JobState.FAILED:
                    job.set_status(RQStatus.FAILED, pipeline=pipe)
                    job.save(pipeline=pipe)
                    FailedJobRegistry(spec.queue, connection=rq).add(job, ttl=7 * 86400, pipeline=pipe)
                else:
                    job.set_status(RQStatus.QUEUED, pipeline=pipe)
                    job.save(pipeline=pipe)
                    pipe.rpush(f"rq:queue:{spec.queue}", job_id)
            pipe.sadd("rq:queues", f"rq:queue:{spec.queue}")
            pipe.execute()
    return ids
