"""`flask jobs ...`: run workers and the scheduler, enqueue a job by hand, list the schedule."""
from __future__ import annotations

import click
import redis
from flask import current_app
from rq import Queue, Worker

from jobs import queues as queue_names


@click.group("jobs", help="Background jobs: workers, scheduler, schedule, run.")
def jobs_group():
    pass


def worker_connection() -> redis.Redis:
    """Workers block on Redis for minutes at a time: no socket timeout here."""
    return redis.Redis.from_url(current_app.config["REDIS_URL"])


@jobs_group.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Exit once the queues are empty.")
@click.option("--name", default=None, help="Worker name (default: RQ's).")
def worker_command(queues: tuple[str, ...], burst: bool, name: str | None):
    """Run an RQ worker on QUEUES (default: dashboard default reports notifications maintenance)."""
    names = list(queues) or queue_names.MAIN_WORKER_QUEUES
    unknown = [q for q in names if q not in queue_names.ALL]
    if unknown:
        raise click.BadParameter(f"unknown queue(s) {', '.join(unknown)}; known: {', '.join(queue_names.ALL)}")
    connection = worker_connection()
    try:
        connection.ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable at {current_app.config['REDIS_URL']}: {exc}") from exc
    # A short monitoring interval keeps RQ's heartbeat fresh, so a killed worker's job is found
    # abandoned quickly (see jobs.maintenance.reconcile_jobs).
    worker = Worker([Queue(q, connection=connection) for q in names], connection=connection, name=name,
                    job_monitoring_interval=5)
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
