"""Brief kinds (catalog.JobKind.brief: dashboards, the diagnostic echo): a run that no job monitor watches as it starts
writes its row once, at its end (app/background/tracking.py, BriefRun); one a monitor watches shows "processing" as
before; a monitor opened while it runs sees its end; and the reconciler covers a run whose worker died before its
row was written (app/background/reconcile.py, sync_brief_runs). Real Redis, real RQ, our non-forking worker class in
this process."""
from __future__ import annotations

import logging
import os
import signal
import time
from datetime import timedelta

import pytest
import redis
from rq import Queue, get_current_job
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from sqlalchemy import event

import jobs.diagnostics
from app.background import tracking
from app.background.catalog import KINDS
from app.background.completions import HANDED, EndsForParent, HeldEnds, take_handed
from app.background.enqueue import JobActionError, cancel, enqueue, get_queue
from app.background.reconcile import reconcile
from app.background.restore import ABANDONED
from app.background.worker import TimeboardSimpleWorker, TimeboardWorker, run_worker
from app.models import JobState, JobStatus, utcnow
from app.redis_client import Outage
from tests.integration.test_job_overhead import relay  # noqa: F401 - the relay fixture


def work(queue: str = "default") -> None:
    """Our non-forking worker class, in burst mode: it asks presence as it takes each job, as in production."""
    worker = TimeboardSimpleWorker([get_queue(queue)], connection=get_queue(queue).connection,
                                   outage=Outage("test", logging.getLogger(__name__)))
    worker.work(burst=True, with_scheduler=False, logging_level="WARNING")


@pytest.fixture()
def echo_sees(db, monkeypatch):
    """The echo job reads its own row while it runs (and may do more: `also`); returns what it saw."""
    seen: list[tuple[str, int]] = []
    also: list = []

    def echo(text: str) -> str:
        row = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == get_current_job().id))
        seen.append((row.status, row.attempts))
        for action in also:
            action()
        return text

    monkeypatch.setattr(jobs.diagnostics, "echo", echo)
    return seen, also


@pytest.fixture()
def job_status_sql(db):
    """The SQL statements on job_statuses while the block runs, by their first word (SELECT, UPDATE, INSERT)."""
    statements: list[str] = []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if "job_statuses" in statement:
            statements.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", on_statement)
    yield statements
    event.remove(db.engine, "before_cursor_execute", on_statement)


def test_the_brief_kinds_are_the_dashboards_and_the_echo():
    assert sorted(k.name for k in KINDS.values() if k.brief) == ["dashboard_data", "echo", "system_dashboard_data"]


def test_the_values_a_brief_run_writes_are_what_start_then_complete_set(db):
    """completion_values() is the UPDATE's twin of the two model verbs: it must not drift from them."""
    started = utcnow() - timedelta(seconds=2)
    values = JobStatus.completion_values(started, "host:1", "x" * 600)
    row = JobStatus(attempts=3, progress=40, error_message="earlier failure", traceback="...", fingerprint="f")
    row.start("host:1")
    row.started_at = started
    row.complete("x" * 600)
    for column in values.keys() - {"attempts", "finished_at", "duration_ms"}:
        assert values[column] == getattr(row, column), column
    assert abs((values["finished_at"] - row.finished_at).total_seconds()) < 1
    assert abs(values["duration_ms"] - row.duration_ms) < 1000 and values["duration_ms"] >= 2000
    assert str(values["attempts"]) == str(JobStatus.attempts + 1) and row.attempts == 4
    assert {*tracking.BRIEF_END_COLUMNS, "attempts"} == set(values)  # the UPDATE of held ends writes them all


def test_a_brief_job_nobody_watches_is_written_once_at_its_end(db, echo_sees, job_status_sql):
    seen, _ = echo_sees
    status_id = enqueue("echo", "quiet").id
    job_status_sql.clear()
    work()
    assert seen == [("pending", 0)]  # its start was not written
    assert job_status_sql == ["SELECT", "UPDATE"]  # the job's own read above, and the one UPDATE: nothing else
    status = db.session.get(JobStatus, status_id)
    assert status.status == JobState.COMPLETED and status.attempts == 1 and status.progress == 100
    assert status.result_summary == "quiet" and status.worker and status.error_message is None
    assert status.enqueued_at <= status.started_at <= status.finished_at
    assert status.duration_ms == int((status.finished_at - status.started_at).total_seconds() * 1000)


def test_a_brief_job_a_monitor_watches_shows_it_running_then_finished(db, echo_sees, watch, relay):  # noqa: F811
    seen, _ = echo_sees
    watch("jobs:all")
    status = enqueue("echo", "watched")
    status_id, job_id = status.id, status.rq_job_id
    work()
    assert seen == [("processing", 1)]
    streams = [m["stream"] for m in relay(0.5) if job_id in m["stream"]]
    assert any('data-status="processing"' in s for s in streams)
    assert any('data-status="completed"' in s for s in streams)
    assert db.session.get(JobStatus, status_id).attempts == 1


def test_a_monitor_opened_while_a_brief_job_runs_sees_it_finish(db, echo_sees, watch, relay):  # noqa: F811
    seen, also = echo_sees
    also.append(lambda: watch("jobs:all"))  # a system admin opens /jobs while the job runs
    job_id = enqueue("echo", "opened meanwhile").rq_job_id
    work()
    assert seen == [("pending", 0)]
    finished = [m for m in relay(0.5) if job_id in m["stream"] and 'data-status="completed"' in m["stream"]]
    assert finished and finished[0]["topics"] == ["jobs:all"]


def test_a_brief_job_that_raises_records_its_attempt_and_the_failure(db, monkeypatch):
    def broken(text: str) -> str:
        raise RuntimeError(f"echo broke on {text}")

    monkeypatch.setattr(jobs.diagnostics, "echo", broken)
    status_id = enqueue("echo", "this").id
    work()
    status = db.session.get(JobStatus, status_id)
    assert status.status == JobState.FAILED and status.attempts == 1
    assert status.error_message == "echo broke on this" and "RuntimeError" in status.traceback
    assert status.started_at is not None and status.duration_ms is not None


def test_a_brief_job_enqueued_around_the_helper_gets_its_row_at_its_end(db, redis_conn):
    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "echo", "hand-made")
    work()
    status = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == job.id))
    assert status.status == JobState.COMPLETED and status.result_summary == "hand-made" and status.attempts == 1


# -- a brief run whose worker died: its row still says pending ------------------------------------------------------
def died_running(db, redis_conn, kind: str, *args, rq_status: RQStatus = RQStatus.FAILED, **options) -> JobStatus:
    """The state a SIGKILLed worker leaves a brief run in, once RQ has handled the abandoned execution (its retries
    spent: failed; or finished, the worker killed between RQ's record and our row's): the row pending, never
    started, old enough for the reconciler."""
    status = enqueue(kind, *args, **options)
    job = Job.fetch(status.rq_job_id, connection=redis_conn)
    Queue(job.origin, connection=redis_conn).remove(job)
    registry = FailedJobRegistry if rq_status == RQStatus.FAILED else FinishedJobRegistry
    with redis_conn.pipeline() as pipe:
        job.set_status(rq_status, pipeline=pipe)
        registry(job.origin, connection=redis_conn).add(job, ttl=600, pipeline=pipe)
        pipe.execute()
    status.enqueued_at -= timedelta(seconds=10)
    db.session.commit()
    return status


def test_the_reconciler_fails_a_dead_brief_run_with_no_attempt_left(db, redis_conn):
    status = died_running(db, redis_conn, "echo", "killed")  # retries=0: one attempt in all
    reconcile()
    db.session.refresh(status)
    assert status.status == JobState.FAILED and status.attempts == 1
    assert status.error_message.startswith(ABANDONED)


def test_the_reconciler_runs_a_dead_brief_run_again_by_its_kinds_policy(db, redis_conn):
    status = died_running(db, redis_conn, "dashboard_data", "dashboard:user:1", key="dashboard:user:1")
    reconcile()
    db.session.refresh(status)
    assert status.status == JobState.PENDING and status.attempts == 1  # retries=1: the attempt that died counts
    assert status.error_message == f"{ABANDONED}; retrying"
    assert Job.fetch(status.rq_job_id, connection=redis_conn).get_status() == RQStatus.QUEUED
    reconcile()  # queued again: a second pass leaves it alone
    db.session.refresh(status)
    assert status.status == JobState.PENDING and status.attempts == 1


def test_the_reconciler_counts_the_runs_rq_retried_itself(db, redis_conn):
    """RQ retried the first killed run by itself (its retries spent), the second died too: two attempts, as the
    full path counts them, and no third run."""
    status = died_running(db, redis_conn, "dashboard_data", "dashboard:user:2", key="dashboard:user:2")
    job = Job.fetch(status.rq_job_id, connection=redis_conn)
    job.retries_left = 0
    job.save()
    reconcile()
    db.session.refresh(status)
    assert status.status == JobState.FAILED and status.attempts == 2
    assert status.error_message.startswith(ABANDONED)


def test_a_brief_job_that_runs_long_enough_to_report_progress_is_shown_running(db, echo_sees, monkeypatch):
    seen, also = echo_sees
    monkeypatch.setattr(tracking, "PROGRESS_EVERY", 0)
    also.append(lambda: tracking.report_progress(50))
    also.append(lambda: seen.append(row_state(db)))
    status_id = enqueue("echo", "long").id
    work()
    assert seen == [("pending", 0), ("processing", 1)]  # before its first progress, and after
    status = db.session.get(JobStatus, status_id)
    assert status.status == JobState.COMPLETED and status.attempts == 1 and status.progress == 100


def row_state(db) -> tuple[str, int]:
    db.session.expire_all()
    row = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == get_current_job().id))
    return row.status, row.attempts


def test_a_brief_job_canceled_as_a_worker_took_it_stays_canceled(db, echo_sees):
    seen, also = echo_sees

    def cancel_meanwhile():  # cancel() read RQ's "queued" just before the worker took the job
        row = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == get_current_job().id))
        row.cancel()
        db.session.commit()

    also.append(cancel_meanwhile)
    status_id = enqueue("echo", "canceled").id
    work()
    assert db.session.get(JobStatus, status_id).status == JobState.CANCELED


def test_the_reconciler_completes_a_brief_run_rq_finished(db, redis_conn):
    status = died_running(db, redis_conn, "echo", "done", rq_status=RQStatus.FINISHED)
    reconcile()
    db.session.refresh(status)
    assert status.status == JobState.COMPLETED and status.attempts == 1 and status.progress == 100


def test_an_end_held_by_a_worker_that_died_is_completed_from_rqs_record_and_counted_once(db, held):
    status_id = enqueue("echo", "done").id
    worker = TimeboardSimpleWorker([get_queue("default")], connection=get_queue("default").connection,
                                   outage=Outage("test", logging.getLogger(__name__)))
    job, queue = worker.dequeue_job_and_maintain_ttl(None)
    worker.execute_job(job, queue)  # it ran; its end is held, unwritten, as when the worker is SIGKILLed now
    row = db.session.get(JobStatus, status_id)
    row.enqueued_at -= timedelta(seconds=10)
    db.session.commit()
    job = Job.fetch(job.id, connection=get_queue("default").connection)
    reconcile()
    db.session.expire_all()
    row = db.session.get(JobStatus, status_id)
    assert row.status == JobState.COMPLETED and row.attempts == 1 and row.result_summary == "done"
    assert abs((row.started_at - job.started_at.replace(tzinfo=None)).total_seconds()) < 0.01  # RQ's own times
    assert abs((row.finished_at - job.ended_at.replace(tzinfo=None)).total_seconds()) < 0.01
    held.write()  # the worker was alive after all: its late write leaves the row as the reconciler completed it
    db.session.expire_all()
    assert db.session.get(JobStatus, status_id).attempts == 1


def test_the_reconciler_leaves_a_brief_run_that_is_running_or_queued(db, redis_conn):
    queued = enqueue("echo", "waiting")
    running = enqueue("echo", "running")
    Job.fetch(running.rq_job_id, connection=redis_conn).set_status(RQStatus.STARTED)
    for status in (queued, running):
        status.enqueued_at -= timedelta(seconds=10)
    db.session.commit()
    reconcile()
    for status in (queued, running):
        db.session.refresh(status)
        assert status.status == JobState.PENDING and status.attempts == 0 and status.error_message is None


# -- a non-forking worker holds brief runs' ends and writes them between jobs (app/background/completions.py) -----
@pytest.fixture()
def held(monkeypatch):
    """The HeldEnds that `flask jobs worker --no-fork` installs, never due by age here (a slow machine must not split
    a burst's ends); the worker writes them when its queue is empty."""
    ends = HeldEnds(max_age=3600)
    tracking.hand_brief_ends_to(ends)
    yield ends
    tracking.hand_brief_ends_to(None)


def test_a_non_forking_worker_writes_a_bursts_ends_in_one_statement_with_their_own_times(db, held, job_status_sql):
    ids = [enqueue("echo", str(i)).id for i in range(5)]
    job_status_sql.clear()
    started = utcnow()
    work()
    worked_until = utcnow()
    assert job_status_sql == ["UPDATE"]  # the five ends: one statement for all of them, once the queue was empty
    assert len(held) == 0
    ends = [db.session.get(JobStatus, i) for i in ids]
    for status in ends:
        assert status.status == JobState.COMPLETED and status.attempts == 1 and status.progress == 100
        assert started <= status.started_at <= status.finished_at <= worked_until
        assert status.result_summary is not None and status.worker
    assert len({status.finished_at for status in ends}) == 5  # each its own end, not the write's


def test_held_ends_keep_a_canceled_row_canceled_and_give_a_job_without_one_its_row(db, redis_conn, held):
    plain = enqueue("echo", "plain").id
    canceled = enqueue("echo", "canceled")
    canceled.cancel()  # as cancel() would, in the instant a worker took the job: RQ still has it queued
    db.session.commit()
    canceled = canceled.id
    hand_made = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "echo", "hand-made")
    work()
    db.session.expire_all()
    assert db.session.get(JobStatus, plain).status == JobState.COMPLETED
    assert db.session.get(JobStatus, canceled).status == JobState.CANCELED
    made = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == hand_made.id))
    assert made.status == JobState.COMPLETED and made.result_summary == "hand-made" and made.attempts == 1


def test_a_monitor_opened_while_an_end_is_held_is_shown_it(db, held, echo_sees, watch, relay):  # noqa: F811
    seen, also = echo_sees
    first = enqueue("echo", "first").rq_job_id
    enqueue("echo", "second")
    also.append(lambda: len(seen) == 2 and watch("jobs:all"))  # /jobs opens during the second job: the first's end
    work()  # is held, unwritten
    assert seen == [("pending", 0), ("pending", 0)]
    finished = [m for m in relay(0.5) if first in m["stream"] and 'data-status="completed"' in m["stream"]]
    assert finished and finished[0]["topics"] == ["jobs:all"]


def test_held_ends_are_written_before_a_job_that_may_run_long(db, held, monkeypatch):
    brief = enqueue("echo", "brief")
    seen = []

    def sleep(seconds: float = 1.0) -> str:
        db.session.expire_all()
        seen.append(db.session.get(JobStatus, brief.id).status)
        return "slept"

    monkeypatch.setattr(jobs.diagnostics, "sleep", sleep)
    enqueue("sleep", 0)
    work()
    assert seen == [JobState.COMPLETED]


def test_ends_held_long_enough_are_written_while_jobs_keep_coming(db, held, echo_sees):
    seen, also = echo_sees
    held.max_age = 0  # every end is due at once
    first = enqueue("echo", "first").id
    enqueue("echo", "second")
    also.append(lambda: seen.append(db.session.get(JobStatus, first).status) if len(seen) == 2 else None)
    work()
    assert seen[-1] == JobState.COMPLETED  # written before the second job was taken, though it was waiting


def test_the_no_fork_worker_writes_the_ends_it_holds_before_it_exits(db, redis_conn):
    ids = [enqueue("echo", str(i)).id for i in range(3)]
    run_worker(redis_conn, ["default"], burst=True, fork=False)
    assert tracking.held_ends() is None  # uninstalled: a later run in this process writes its end at once
    db.session.expire_all()
    assert [db.session.get(JobStatus, i).status for i in ids] == [JobState.COMPLETED] * 3


def test_a_job_whose_end_is_held_cannot_be_canceled_and_ends_completed(db, held):
    status = enqueue("echo", "held")
    status_id = status.id
    worker = TimeboardSimpleWorker([get_queue("default")], connection=get_queue("default").connection,
                                   outage=Outage("test", logging.getLogger(__name__)))
    worker.execute_job(*worker.dequeue_job_and_maintain_ttl(None))  # the run, its end held: RQ says finished
    assert len(held) == 1
    row = db.session.get(JobStatus, status_id)
    assert row.status == JobState.PENDING
    with pytest.raises(JobActionError):
        cancel(row)
    db.session.rollback()
    held.write()
    db.session.expire_all()
    assert db.session.get(JobStatus, status_id).status == JobState.COMPLETED


# -- a forking worker's horses hand their brief runs' ends back to it (app/background/completions.py) ---------------
def forking_worker() -> TimeboardWorker:
    return TimeboardWorker([get_queue("default")], connection=get_queue("default").connection,
                           outage=Outage("test", logging.getLogger(__name__)))


def test_a_work_horse_hands_its_brief_end_to_the_worker_that_forked_it(db, held):
    status = enqueue("echo", "forked")
    status_id, started = status.id, utcnow()
    worker = forking_worker()
    job, queue = worker.dequeue_job_and_maintain_ttl(None)
    worker.execute_job(job, queue)  # a real fork: the horse ran the job and exited
    assert job.get_status(refresh=True) == RQStatus.FINISHED
    assert len(held) == 1  # the end is the worker's now; the horse wrote nothing
    db.session.expire_all()
    assert db.session.get(JobStatus, status_id).status == JobState.PENDING
    handed = job.get_meta(refresh=True)[HANDED]
    assert handed["token"] == worker._handoff
    assert handed["worker"].rsplit(":", 1)[1] != str(os.getpid())  # it ran in the horse, another process
    held.write()
    row = db.session.get(JobStatus, status_id)
    assert row.status == JobState.COMPLETED and row.attempts == 1 and row.result_summary == "forked"
    assert started <= row.started_at <= row.finished_at <= utcnow()
    assert row.worker == handed["worker"]  # the horse's name: the run is the horse's, only its write moved


def test_an_end_an_earlier_run_left_in_the_jobs_meta_is_not_taken(db, redis_conn, held):
    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "echo", "again")
    job.meta[HANDED] = {"token": "an-earlier-run", "kind": "echo", "max_attempts": 1, "worker": "w:1",
                        "started_at": utcnow(), "values": {}}
    job.save_meta()
    job.set_status(RQStatus.FINISHED)
    assert not take_handed(job, "this-run", held) and len(held) == 0
    assert take_handed(job, "an-earlier-run", held) and len(held) == 1


def test_a_horse_whose_job_did_not_finish_leaves_its_end_untaken(db, redis_conn, held):
    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "echo", "died")
    job.meta[HANDED] = {"token": "t", "kind": "echo", "max_attempts": 1, "worker": "w:1", "started_at": utcnow(),
                        "values": {}}
    job.save_meta()
    job.set_status(RQStatus.FAILED)  # the horse died after handing it: RQ failed the job
    assert not take_handed(job, "t", held) and len(held) == 0


def test_the_forking_worker_process_completes_brief_jobs_through_its_held_ends(db, start_worker):
    ids = [enqueue("echo", f"e{i}").id for i in range(3)]
    worker = start_worker("default")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        db.session.expire_all()
        rows = [db.session.get(JobStatus, i) for i in ids]
        if all(r.status == JobState.COMPLETED for r in rows):
            break
        time.sleep(0.1)
    assert [r.status for r in rows] == [JobState.COMPLETED] * 3, worker.output()
    assert all(r.attempts == 1 and r.result_summary == f"e{n}" for n, r in enumerate(rows))
    metas = [Job.fetch(r.rq_job_id, connection=get_queue("default").connection).meta for r in rows]
    assert all(HANDED in m for m in metas)  # each went through the worker, not written by its horse


def test_a_horse_that_cannot_hand_its_end_over_writes_it_itself(db, redis_conn, monkeypatch):
    status = enqueue("echo", "kept")
    job = Job.fetch(status.rq_job_id, connection=redis_conn)

    def redis_away():
        raise redis.ConnectionError("Redis went away")

    monkeypatch.setattr(job, "save_meta", redis_away)
    run = tracking.BriefRun(job, "echo", 1, "host:1", utcnow())
    EndsForParent("token").put(run, JobStatus.completion_values(run.started_at, run.worker, "kept"))
    assert HANDED not in job.meta
    db.session.expire_all()
    row = db.session.get(JobStatus, status.id)
    assert row.status == JobState.COMPLETED and row.attempts == 1 and row.result_summary == "kept"



@pytest.mark.parametrize("state", [JobState.FAILED, JobState.PROCESSING])
def test_a_brief_run_rq_ran_again_itself_takes_its_held_end_whatever_its_row_said(db, held, state):
    """A failed job requeued from rq-dashboard (its row still failed), or one RQ retried after its horse was killed
    while a monitor watched it (its row still processing): the run ends it, its attempt counted."""
    status_id = enqueue("echo", "again").id
    row = db.session.get(JobStatus, status_id)
    row.status, row.attempts = state, 1
    db.session.commit()
    work()
    db.session.expire_all()
    row = db.session.get(JobStatus, status_id)
    assert row.status == JobState.COMPLETED and row.attempts == 2 and row.result_summary == "again"


def test_a_worker_asked_to_stop_while_it_takes_a_horses_end_still_writes_it(db, redis_conn, monkeypatch):
    """The end is taken while RQ counts the worker busy: a stop asked then waits for it, and the worker writes what
    it holds before it exits."""
    import app.background.worker as worker_module

    status_id = enqueue("echo", "stopping").id
    took = worker_module.take_handed

    def take_then_stop(job, token, held):
        os.kill(os.getpid(), signal.SIGTERM)  # the stop arrives as the worker takes the end
        return took(job, token, held)

    monkeypatch.setattr(worker_module, "take_handed", take_then_stop)
    run_worker(redis_conn, ["default"], burst=True, fork=True)
    db.session.expire_all()
    row = db.session.get(JobStatus, status_id)
    assert row.status == JobState.COMPLETED and row.attempts == 1 and row.result_summary == "stopping"
