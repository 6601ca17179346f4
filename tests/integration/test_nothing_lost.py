"""Nothing is lost when Redis comes back empty (issue 17): the JobStatus rows are the durable record, and the
reconciler queues every pending job that Redis no longer holds again, under its id, once; a job that was running
when Redis went is left to its live worker, or retried by its kind's policy once its worker is gone; a report
follows its job without anyone opening its page.

The restarts are real: a redis-server of the test's own, stopped and started again empty on the same port."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from app.accounts import accounts
from app.background import restore
from app.background.catalog import MAIL_WORKER_QUEUES, MAIN_WORKER_QUEUES, QUEUES
from app.background.enqueue import COALESCE_PREFIX, enqueue
from app.background.reconcile import reconcile
from app.models import JobStatus, Notification, Report, utcnow
from app.organizations import invitations
from app.reports import files, runs
from app.reports.params import ReportParams, check
from tests import report_data
from tests.conftest import stop_all
from tests.integration.test_redis_outage import RedisServer, eventually
from tests.mailbox import empty_outbox, outbox
from tests.processes import Process


@pytest.fixture()
def own_redis(app):
    """A redis-server of this test's own; the app in this process enqueues there meanwhile."""
    server = RedisServer()
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = server.url
    yield server
    app.config["REDIS_URL"] = saved
    server.stop()


@pytest.fixture()
def processes():
    started: list[Process] = []

    def start(args: list[str], name: str, **env) -> Process:
        proc = Process([sys.executable, "-m", "flask", *args], f"{name}-{time.time():.0f}-{len(started)}", **env)
        started.append(proc)
        return proc

    yield start
    stop_all(started)


def _params(w) -> ReportParams:
    return check(ReportParams(organization_id=w.org.id, range="custom", date_from=w.first.isoformat(),
                              date_to=w.last.isoformat(), groups=["project"], format="csv",
                              time_zone=report_data.ZONE))


def _row(db, row_id: int) -> JobStatus:
    db.session.expire_all()
    return db.session.get(JobStatus, row_id)


def _ended() -> int:
    """The pid of a process of this machine that has ended."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.timeout(240)
def test_jobs_queued_before_redis_came_back_empty_are_queued_again_within_30s_and_run_once(
        app, db, factory, own_redis, processes):
    """A report, an invitation, a password reset, a delayed job and a coalesced one are queued; Redis dies before
    any worker took them and comes back empty; the scheduler alone puts each back under its id within 30 s, a
    second reconciliation adds nothing, and the workers then run each exactly once."""
    empty_outbox(app.config["OUTBOX_DIR"])
    w = report_data.build(factory, db)
    report_id = runs.create_report(w.owner, _params(w)).id
    with app.test_request_context():
        accounts.request_password_reset(w.owner.email)
        invitations.invite(w.owner, w.org, "newcomer@example.com", "member", [])
    delayed = enqueue("echo", "delayed", delay=25)
    coalesced = enqueue("echo", "coalesced", key="test:nothing-lost")
    rows = db.session.scalars(select(JobStatus).order_by(JobStatus.id)).all()
    assert sorted(r.kind for r in rows) == ["echo", "echo", "password_reset_mail", "report_generation", "send_email"]
    ids = {r.id: r.rq_job_id for r in rows}
    assert all(r.status == "pending" for r in rows), [(r.kind, r.status) for r in rows]

    own_redis.stop()
    scheduler = processes(["jobs", "scheduler"], "scheduler", REDIS_URL=own_redis.url)
    assert eventually(lambda: "scheduler: lost Redis" in scheduler.output(), 30), scheduler.output()
    own_redis.start()
    back = time.monotonic()
    r = own_redis.client()
    assert not any(r.exists(Job.key_for(j)) for j in ids.values())  # empty indeed

    def all_back():
        return all(r.exists(Job.key_for(j)) for j in ids.values())

    def states():  # what the database says of each, when one is missing
        return [(row.kind, row.status, row.enqueued_at, row.arguments is not None, r.exists(Job.key_for(row.rq_job_id)))
                for row in (_row(db, i) for i in ids)]
    assert eventually(all_back, 30, every=0.2), (states(), scheduler.output())
    assert time.monotonic() - back <= 30
    # each under its id, once: a pending job in its queue, the delayed one still waiting for its time
    def listed():  # our jobs in the queues (the scheduler also queues the recurring entries' runs)
        return sorted(i.decode() for q in QUEUES for i in r.lrange(f"rq:queue:{q}", 0, -1) if i.decode() in mine)
    mine = set(ids.values())
    assert listed() == sorted(j for j in mine if j != delayed.rq_job_id)
    assert ScheduledJobRegistry("default", connection=r).get_job_ids() == [delayed.rq_job_id]
    assert r.get(COALESCE_PREFIX + "test:nothing-lost").decode() == coalesced.rq_job_id
    assert enqueue("echo", "again", key="test:nothing-lost").id == coalesced.id  # the key serves again
    # a second pass finds them all in Redis (the scheduler reconciles too, a few seconds after Redis came back:
    # while it holds the lock, this pass is skipped and tried again)
    def a_pass():
        summary = reconcile()
        return None if summary.startswith("skipped") else summary
    second = eventually(a_pass, 30, every=0.2)
    assert second and "lost jobs queued again: 0" in second, (second, scheduler.output())
    assert listed() == sorted(j for j in mine if j != delayed.rq_job_id)
    for row_id in ids:
        row = _row(db, row_id)
        assert row.status == "pending" and row.error_message == restore.REQUEUED, (row, scheduler.output())

    processes(["jobs", "worker", *MAIL_WORKER_QUEUES, "--no-fork"], "mail", REDIS_URL=own_redis.url)
    worker = processes(["jobs", "worker", *MAIN_WORKER_QUEUES], "worker", REDIS_URL=own_redis.url)

    def all_done():
        return all(_row(db, i).status == "completed" for i in ids)
    assert eventually(all_done, 90), worker.output() + scheduler.output()
    for row_id in ids:
        assert _row(db, row_id).attempts == 1  # run once each
    delayed_row = _row(db, delayed.id)
    # kept its due time (RQ's schedule counts whole seconds)
    assert delayed_row.started_at >= delayed_row.run_at - timedelta(seconds=1)
    report = db.session.get(Report, report_id)
    assert report.status == "completed" and files.file_exists(report)
    sent = sorted((m["To"], m["Subject"]) for m in outbox(app.config["OUTBOX_DIR"]))
    assert sent == [("newcomer@example.com", "You are invited to Acme on Timeboard"),
                    (w.owner.email, "Reset your Timeboard password")]


@pytest.mark.timeout(120)
def test_a_job_whose_worker_died_with_redis_is_retried_by_its_policy_and_runs_to_the_end(
        app, db, own_redis, processes):
    """`sleep` (retries=1) runs in a forking worker; the worker, its work-horse and Redis die together; Redis comes
    back empty; a new worker reconciles as it starts and the job runs again under its id, to completion."""
    status = enqueue("sleep", 6)
    doomed = processes(["jobs", "worker", "default"], "doomed", REDIS_URL=own_redis.url)
    assert eventually(lambda: _row(db, status.id).status == "processing" and _row(db, status.id).progress > 0, 30), \
        doomed.output()
    horse_pid = int(_row(db, status.id).worker.rsplit(":", 1)[1])
    os.killpg(doomed.proc.pid, signal.SIGKILL)
    os.killpg(horse_pid, signal.SIGKILL)
    own_redis.stop()
    own_redis.start()

    rescuer = processes(["jobs", "worker", "default"], "rescuer", REDIS_URL=own_redis.url)
    assert eventually(lambda: _row(db, status.id).status == "completed", 60), rescuer.output()
    row = _row(db, status.id)
    assert row.attempts == 2 and row.rq_job_id == status.rq_job_id


def _report_job_running_on_a_dead_worker(db, w, redis_conn, attempts: int):
    """A report whose job row says it runs, on a worker process of this machine that is gone, with a partial file
    from that attempt, and a Redis that lost the job."""
    report = db.session.get(Report, w.report_id)
    row = db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == report.rq_job_id))
    row.status, row.attempts, row.started_at = "processing", attempts, utcnow() - timedelta(minutes=2)
    row.worker = f"{socket.gethostname()}:{_ended()}"
    report.start()
    db.session.commit()
    partial = files.reports_dir() / f"report-{report.id}-20261201-dead{attempts}.csv"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text("date,start\n2026-11-02,09:00\n")
    redis_conn.flushdb()
    return row.id, partial


def test_a_report_whose_worker_died_is_retried_once_then_fails_telling_its_owner_with_its_files_removed(
        app, db, factory, redis_conn):
    w = report_data.build(factory, db)
    w.report_id = report_id = runs.create_report(w.owner, _params(w)).id
    owner_id = w.owner.id

    row_id, partial = _report_job_running_on_a_dead_worker(db, w, redis_conn, attempts=1)
    assert "statuses synced: 1" in reconcile()
    row = _row(db, row_id)
    assert row.status == "pending" and "worker died" in row.error_message
    assert Queue("reports", connection=redis_conn).get_job_ids() == [row.rq_job_id]  # under its id, once
    report = db.session.get(Report, report_id)
    assert (report.status, report.phase) == ("pending", "queued")  # nobody opened its page
    assert not partial.exists()

    row_id, partial = _report_job_running_on_a_dead_worker(db, w, redis_conn, attempts=2)
    reconcile()
    assert _row(db, row_id).status == "failed"
    db.session.expire_all()
    report = db.session.get(Report, report_id)
    assert report.status == "failed" and "worker died" in report.error_message
    assert not partial.exists()
    notes = db.session.scalars(select(Notification).where(Notification.user_id == owner_id)).all()
    assert [(n.kind, n.link) for n in notes] == [("report_failed", f"/reports/{report_id}")]


def test_a_running_job_that_redis_lost_is_left_alone_while_its_worker_lives(db, redis_conn):
    here = enqueue("echo", "here")
    elsewhere = enqueue("echo", "elsewhere")
    silent = enqueue("echo", "silent")
    for row, worker in ((here, f"{socket.gethostname()}:{os.getpid()}"), (elsewhere, "another-host:4242"),
                        (silent, "another-host:4343")):
        row.status, row.attempts, row.worker = "processing", 1, worker
        row.started_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    redis_conn.flushdb()
    redis_conn.set(restore.SINCE_KEY, time.time() - 60)  # this Redis has answered for a minute
    redis_conn.set(restore.RUNNING_PREFIX + elsewhere.rq_job_id, "worker-on-another-host", ex=60)  # its heartbeat

    reconcile()
    assert _row(db, here.id).status == "processing"  # a live process of this machine runs it
    assert _row(db, elsewhere.id).status == "processing"  # its worker's heartbeat marks it
    assert _row(db, silent.id).status == "failed"  # nobody runs it, and echo is never retried
    assert "worker died" in _row(db, silent.id).error_message


def test_a_lost_coalesced_job_gives_way_to_the_newer_one_that_holds_its_key(db, redis_conn):
    lost = enqueue("echo", "old", key="test:coalesced")
    lost.enqueued_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    redis_conn.flushdb()  # Redis came back empty; a request enqueues for the same key before any reconciliation
    newer = enqueue("echo", "new", key="test:coalesced")
    assert newer.id != lost.id

    reconcile()
    assert _row(db, lost.id).status == "canceled" and "superseded" in _row(db, lost.id).error_message
    assert Queue("default", connection=redis_conn).get_job_ids() == [newer.rq_job_id]
    assert redis_conn.get(COALESCE_PREFIX + "test:coalesced").decode() == newer.rq_job_id


def test_a_row_that_cannot_be_rebuilt_is_failed_as_lost_after_10_minutes(db, redis_conn):
    young = enqueue("echo", "young")
    old = enqueue("echo", "old")
    for row, age in ((young, 1), (old, 11)):
        row.arguments, row.enqueued_at = None, utcnow() - timedelta(minutes=age)  # written before arguments were kept
    db.session.commit()
    redis_conn.flushdb()

    reconcile()
    assert _row(db, young.id).status == "pending"
    assert _row(db, old.id).status == "failed" and "lost" in _row(db, old.id).error_message


def test_an_xlsx_reports_rows_wait_next_to_it_under_its_attempts_name_so_a_dead_attempts_are_found(
        app, db, factory, tmp_path):
    """openpyxl keeps a write-only sheet's rows in a temporary file until it saves: here that file is in the report's
    folder under the attempt's name, where remove_partial_files finds what a killed worker left."""
    from app.reports.generate import generate
    w = report_data.build(factory, db)
    params = _params(w)
    params.format = "xlsx"
    seen: list[str] = []

    def on_progress(phase, done, total):
        seen.extend(sorted(p.name for p in tmp_path.glob("report-9-attempt*.part")))
    generate(params, w.owner, w.org, tmp_path, "report-9-attempt", utcnow(), on_progress)
    assert "report-9-attempt.detail.xml.part" in seen  # while the rows are written (the summary comes at the end)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report-9-attempt.xlsx"]  # saved: the parts are gone


def test_a_killed_process_nobody_reaped_counts_as_gone():
    """A work-horse killed with its worker is adopted by whatever runs as pid 1, which may never reap it: a zombie
    runs nothing, so its job is abandoned rather than waited for."""
    zombie = subprocess.Popen(["true"])  # ended, and not waited for: a zombie until we reap it
    deadline = time.time() + 5
    while time.time() < deadline and restore.process_exists(zombie.pid):
        time.sleep(0.05)
    assert not restore.process_exists(zombie.pid)
    assert restore.process_exists(os.getpid())
    zombie.wait()
