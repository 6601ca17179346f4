"""The one enqueue helper: queue, timeout and retry policy per kind, JobStatus, coalescing by key."""
from __future__ import annotations

import threading

import pytest
from rq import Queue
from rq.job import Job

from app.background.catalog import KINDS, UnknownJobKind
from app.background.enqueue import enqueue
from app.models import JobState, JobStatus


def _rows(db):
    return db.session.scalars(db.select(JobStatus)).all()


def test_enqueue_records_a_pending_job_status_with_the_kinds_queue_timeout_and_retry(db, redis_conn):
    status = enqueue("fail", "boom", user_id=None)
    job = Job.fetch(status.rq_job_id, connection=redis_conn)
    spec = KINDS["fail"]
    assert status.status == JobState.PENDING.value and status.queue == spec.queue == job.origin
    assert status.max_attempts == spec.retries + 1 == 3
    assert job.timeout == spec.timeout
    assert job.retries_left == spec.retries and job.retry_intervals == spec.retry_intervals
    assert job.func_name == "jobs.runner.perform" and job.args == ("fail", "boom")
    assert status.args_summary == "'boom'"


def test_unknown_kind_is_refused_before_anything_is_written(db, redis_conn):
    with pytest.raises(UnknownJobKind, match="unknown job kind 'nope'"):
        enqueue("nope")
    assert _rows(db) == []
    assert Queue("default", connection=redis_conn).count == 0


def test_fifty_enqueues_of_one_key_while_pending_give_one_job(db, redis_conn):
    statuses = [enqueue("echo", "x", key="dashboard:org:42") for _ in range(50)]
    assert {s.rq_job_id for s in statuses} == {statuses[0].rq_job_id}
    assert len(_rows(db)) == 1
    assert Queue("default", connection=redis_conn).count == 1


def test_fifty_enqueues_of_one_key_from_several_threads_give_one_job(app, db, redis_conn):
    ids: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(10)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(5):
                    ids.append(enqueue("echo", "x", key="dashboard:org:7").rq_job_id)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                from app.extensions import db as _db

                _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids) == 50 and len(set(ids)) == 1
    assert len(_rows(db)) == 1
    assert Queue("default", connection=redis_conn).count == 1


def test_a_key_gets_a_new_job_once_the_pending_one_has_run(db, run_jobs):
    first = enqueue("echo", "x", key="k")
    run_jobs()
    second = enqueue("echo", "x", key="k")
    assert second.rq_job_id != first.rq_job_id
    assert len(_rows(db)) == 2


def test_different_keys_do_not_coalesce(db):
    a, b = enqueue("echo", key="a"), enqueue("echo", key="b")
    assert a.rq_job_id != b.rq_job_id


def test_delay_schedules_the_job_and_coalesces_within_the_delay(db, redis_conn):
    first = enqueue("echo", key="debounce", delay=30)
    again = enqueue("echo", key="debounce", delay=30)
    assert again.rq_job_id == first.rq_job_id
    assert Job.fetch(first.rq_job_id, connection=redis_conn).get_status() == "scheduled"
    assert Queue("default", connection=redis_conn).count == 0
