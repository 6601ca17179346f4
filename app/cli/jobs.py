"""`flask jobs ...`: workers, the scheduler, the schedule, and jobs by hand (run, retry, cancel)."""
from __future__ import annotations

import json

import click
import redis
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.background import pause, recurring
from app.background.catalog import KINDS, MAIN_WORKER_QUEUES, QUEUES, UnknownJobKind
from app.background.enqueue import EnqueueError, JobActionError, cancel, enqueue, retry
from app.background.preload import preload
from app.background.reconcile import reconcile
from app.background.worker import run_worker
from app.extensions import db
from app.job_monitor.queries import find_job
from app.models import JobStatus, User
from app.redis_client import client
from app.web.form_filters import parse_id
from app.web.input_guard import contains_nul


@click.group("jobs", cls=AppGroup, help="Background jobs: worker, scheduler, schedule, run, retry, cancel.")
def jobs_group():
    pass


def long_lived_connection() -> redis.Redis:
    """Workers and the scheduler block on Redis for minutes at a time: the blocking client. They wait
    for Redis themselves while it is down (app.background.worker, app.background.recurring)."""
    return client(current_app.config["REDIS_URL"], blocking=True)


def worker_connection() -> redis.Redis:
    """For one-shot commands: Redis now, or a clear message and exit code 1."""
    connection = long_lived_connection()
    try:
        connection.ping()
    except redis.RedisError as exc:
        raise click.ClickException(_("Redis is not reachable at %(url)s: %(error)s",
                                     url=current_app.config["REDIS_URL"], error=exc)) from exc
    return connection


@jobs_group.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Exit once the queues are empty.")
@click.option("--name", default=None, help="Worker name (default: RQ's).")
@click.option("--fork/--no-fork", default=True, show_default=True,
              help="Fork a work-horse per job, or run jobs in the worker process (short, frequent jobs).")
def worker_command(queues: tuple[str, ...], burst: bool, name: str | None, fork: bool):
    """Run an RQ worker on QUEUES (default: the main worker's, dashboard_system default reports notifications
    webhooks maintenance). The Procfile's dashboard_worker is `jobs worker dashboard --no-fork`, its mail_worker
    `jobs worker mail --no-fork`."""
    names = list(queues) or MAIN_WORKER_QUEUES
    unknown = [q for q in names if q not in QUEUES]
    if unknown:
        raise click.BadParameter(_("unknown queue(s) %(unknown)s; known: %(known)s", unknown=", ".join(unknown),
                                   known=", ".join(QUEUES)))
    if current_app.config["APP_URL_IS_DEFAULT"]:
        click.echo(_("APP_URL is not set: links in the e-mails this worker sends start with %(url)s, from its own "
                     "PORT. Set APP_URL to the site's public address in every process (bin/dev does).",
                     url=current_app.config["APP_URL"]), err=True)
    preload(current_app._get_current_object())  # a forked work-horse inherits it; a non-forking worker's first job too
    run_worker(long_lived_connection(), names, name=name, burst=burst, on_start=_reconcile_at_start, fork=fork)


def _reconcile_at_start() -> None:
    """A worker starting (or restarting after an outage) first settles the jobs a dead worker left."""
    try:
        summary = reconcile()
        click.echo(_("reconciled before starting: %(summary)s", summary=summary))
    except Exception as exc:  # the database may be down: the scheduler reconciles later anyway
        db.session.rollback()
        click.echo(_("could not reconcile before starting: %(error)s", error=exc), err=True)
    finally:
        db.session.remove()


@jobs_group.command("scheduler")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks for due entries.")
@click.option("--burst", is_flag=True, help="Register, enqueue what is due once, and exit.")
def scheduler_command(interval: float, burst: bool):
    """Register the recurring table with rq-scheduler (replacing what is there), then run it; also reconciles
    abandoned jobs every 30 s. Rides out Redis outages: registers the table again when Redis is back."""
    def announce(ids: list[str]) -> None:
        click.echo(_("registered %(count)s recurring entries: %(ids)s", count=len(ids), ids=", ".join(ids)) if ids else
                   _("registered %(count)s recurring entries: none", count=0))

    scheduler = recurring.make_scheduler(long_lived_connection(), interval=interval)
    scheduler.run(burst=burst, on_register=announce)


@jobs_group.command("schedule")
def schedule_command():
    """List the recurring table: entry, job kind, queue, timing, enabled, next run (UTC)."""
    scheduler = recurring.make_scheduler(worker_connection())
    runs = recurring.next_runs(scheduler)
    rows = [(_("ENTRY"), _("KIND"), _("QUEUE"), _("WHEN"), _("ENABLED"), _("NEXT RUN (UTC)"))]
    for entry in recurring.RECURRING:
        next_run = runs.get(entry.name)
        rows.append((entry.name, entry.kind, entry.queue, entry.when, _("yes") if entry.is_enabled() else _("no"),
                     next_run.strftime("%Y-%m-%d %H:%M:%S") if next_run else _("not scheduled")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if not runs:
        click.echo(_("(no scheduler has registered the table yet: run `flask jobs scheduler`)"))


def _parse_arg(raw: str):
    try:
        return json.loads(raw)
    except ValueError:
        return raw


KEY_MAX_LENGTH = JobStatus.coalesce_key.type.length


@jobs_group.command("run")
@click.argument("kind")
@click.argument("args", nargs=-1)
@click.option("--key", default=None, help="Coalescing key: reuse a job already pending for it.")
@click.option("--user-id", type=int, default=None, help="The user the job serves.")
def run_command(kind: str, args: tuple[str, ...], key: str | None, user_id: int | None):
    """Enqueue a job of KIND now (ARGS are JSON literals or strings), or run a recurring entry by name."""
    if user_id is not None and (parse_id(user_id) is None or db.session.get(User, user_id) is None):
        raise click.UsageError(_("no user with id %(id)s", id=user_id))
    if key is not None and not 0 < len(key) <= KEY_MAX_LENGTH:
        raise click.UsageError(_("--key takes 1 to %(max)s characters", max=KEY_MAX_LENGTH))
    parsed = [_parse_arg(a) for a in args]
    if contains_nul(parsed):  # a JSON literal such as "\u0000": the database cannot store it
        raise click.UsageError(_("ARGS may not contain a NUL character (\\u0000)"))
    try:
        if kind not in KINDS and kind in recurring.ENTRIES and not args:
            status = recurring.run_entry(kind)
        else:
            status = enqueue(kind, *parsed, key=key, user_id=user_id)
    except UnknownJobKind as exc:
        raise click.UsageError(str(exc)) from None
    except EnqueueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_("%(kind)s job %(id)s on queue %(queue)s: %(status)s", kind=status.kind, id=status.rq_job_id,
                 queue=status.queue, status=status.status))


def _load(identifier: str):
    status = find_job(identifier)
    if status is None:
        raise click.ClickException(_("no job %(id)s", id=repr(identifier)))
    return status


def _attempt(action, *args):
    """The one wrapper of retry, cancel, pause and resume: an unknown queue is a usage error (exit 2), a refused
    action or Redis being down a clear message (exit 1), never a traceback."""
    try:
        return action(*args)
    except pause.UnknownQueue as exc:
        raise click.UsageError(str(exc)) from None
    except (JobActionError, EnqueueError, redis.RedisError) as exc:
        raise click.ClickException(str(exc)) from None


@jobs_group.command("retry")
@click.argument("job_id")
def retry_command(job_id: str):
    """Run a failed job again (JOB_ID: RQ job id or JobStatus id)."""
    status = _attempt(retry, _load(job_id))
    click.echo(_("job %(id)s requeued: %(status)s", id=status.rq_job_id, status=status.status))


@jobs_group.command("cancel")
@click.argument("job_id")
def cancel_command(job_id: str):
    """Cancel a pending job (JOB_ID: RQ job id or JobStatus id)."""
    status = _attempt(cancel, _load(job_id))
    click.echo(_("job %(id)s canceled", id=status.rq_job_id))


@jobs_group.command("pause")
@click.argument("queue")
def pause_command(queue: str):
    """Pause QUEUE: workers leave it alone, jobs still queue up (as on /jobs)."""
    changed = _attempt(pause.pause, queue, worker_connection())
    click.echo(_("queue %(queue)s paused", queue=queue) if changed else
               _("queue %(queue)s was already paused", queue=queue))


@jobs_group.command("resume")
@click.argument("queue")
def resume_command(queue: str):
    """Resume a paused QUEUE."""
    changed = _attempt(pause.resume, queue, worker_connection())
    click.echo(_("queue %(queue)s resumed", queue=queue) if changed else
               _("queue %(queue)s was not paused", queue=queue))
