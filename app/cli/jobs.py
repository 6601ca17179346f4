"""`flask jobs ...`: workers, the scheduler, the schedule, and jobs by hand (run, retry, cancel)."""
from __future__ import annotations

import json

import click
import redis
from flask import current_app
from flask.cli import AppGroup
from rq import Queue, Worker

from jobs import queues as queue_names


@click.group("jobs", cls=AppGroup, help="Background jobs: worker, scheduler, schedule, run, retry, cancel.")
def jobs_group():
    pass


def worker_connection() -> redis.Redis:
    """Workers and the scheduler block on Redis for minutes at a time: no socket timeout here."""
    connection = redis.Redis.from_url(current_app.config["REDIS_URL"])
    try:
        connection.ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable at {current_app.config['REDIS_URL']}: {exc}") from exc
    return connection


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
    # A short monitoring interval keeps RQ's heartbeat fresh, so a killed worker's job is found
    # abandoned quickly (see app.services.maintenance.reconcile).
    worker = Worker([Queue(q, connection=connection) for q in names], connection=connection, name=name,
                    job_monitoring_interval=5)
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


@jobs_group.command("scheduler")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks for due entries.")
@click.option("--burst", is_flag=True, help="Register, enqueue what is due once, and exit.")
def scheduler_command(interval: float, burst: bool):
    """Register the recurring table with rq-scheduler (replacing what is there), then run it."""
    from jobs import recurring

    scheduler = recurring.make_scheduler(worker_connection(), interval=interval)
    ids = recurring.register(scheduler)
    click.echo(f"registered {len(ids)} recurring entries: {', '.join(ids) or 'none'}")
    scheduler.run(burst=burst)


@jobs_group.command("schedule")
def schedule_command():
    """List the recurring table: entry, job kind, queue, timing, enabled, next run (UTC)."""
    from jobs import recurring

    scheduler = recurring.make_scheduler(worker_connection())
    runs = recurring.next_runs(scheduler)
    rows = [("ENTRY", "KIND", "QUEUE", "WHEN", "ENABLED", "NEXT RUN (UTC)")]
    for entry in recurring.RECURRING:
        next_run = runs.get(entry.name)
        rows.append((entry.name, entry.kind, entry.queue, entry.when, "yes" if entry.is_enabled() else "no",
                     next_run.strftime("%Y-%m-%d %H:%M:%S") if next_run else "not scheduled"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if not runs:
        click.echo("(no scheduler has registered the table yet: run `flask jobs scheduler`)")


def _parse_arg(raw: str):
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@jobs_group.command("run")
@click.argument("kind")
@click.argument("args", nargs=-1)
@click.option("--key", default=None, help="Coalescing key: reuse a job already pending for it.")
@click.option("--user-id", type=int, default=None, help="The user the job serves.")
def run_command(kind: str, args: tuple[str, ...], key: str | None, user_id: int | None):
    """Enqueue a job of KIND now (ARGS are JSON literals or strings), or run a recurring entry by name."""
    from app.services.job_queue import EnqueueError, enqueue
    from jobs import recurring
    from jobs.kinds import KINDS, UnknownJobKind

    try:
        if kind not in KINDS and kind in recurring.ENTRIES and not args:
            status = recurring.run_entry(kind)
        else:
            status = enqueue(kind, *(_parse_arg(a) for a in args), key=key, user_id=user_id)
    except UnknownJobKind as exc:
        raise click.UsageError(str(exc)) from None
    except EnqueueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{status.kind} job {status.rq_job_id} on queue {status.queue}: {status.status}")


def _load(identifier: str):
    from app.services.job_monitor import find_job

    status = find_job(identifier)
    if status is None:
        raise click.ClickException(f"no job {identifier!r}")
    return status


@jobs_group.command("retry")
@click.argument("job_id")
def retry_command(job_id: str):
    """Run a failed job again (JOB_ID: RQ job id or JobStatus id)."""
    from app.services.job_queue import JobActionError, retry

    try:
        status = retry(_load(job_id))
    except JobActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"job {status.rq_job_id} requeued: {status.status}")


@jobs_group.command("cancel")
@click.argument("job_id")
def cancel_command(job_id: str):
    """Cancel a pending job (JOB_ID: RQ job id or JobStatus id)."""
    from app.services.job_queue import JobActionError, cancel

    try:
        status = cancel(_load(job_id))
    except JobActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"job {status.rq_job_id} canceled")
