"""Cleanup rules (and the dry run), performance snapshots on known data, reconciliation, maintenance CLIs."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

from rq import Queue
from rq.job import Job

from app.background import restore
from app.background.enqueue import enqueue
from app.background.reconcile import reconcile
from app.maintenance import take_snapshot
from app.maintenance.cleanup import run_cleanup
from app.maintenance.snapshots import percentile
from app.models import JobState, JobStatus, PerformanceSnapshot, TimeLog, UsedToken, User, utcnow


def job_row(db, kind="echo", status="completed", finished_ago=None, duration_ms=100, queue="default", **kw):
    now = utcnow()
    finished = now - finished_ago if finished_ago is not None else None
    row = JobStatus(rq_job_id=uuid.uuid4().hex, kind=kind, queue=queue, status=status,
                    enqueued_at=(finished or now) - timedelta(seconds=5),
                    started_at=(finished or now) - timedelta(milliseconds=duration_ms or 0),
                    finished_at=finished, duration_ms=duration_ms if finished else None, **kw)
    db.session.add(row)
    db.session.commit()
    return row


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _aged_world(db, factory):
    w = factory.world()
    old = timedelta(days=31)
    job_row(db, status="completed", finished_ago=old)
    job_row(db, status="failed", finished_ago=old)
    job_row(db, status="canceled", finished_ago=old)
    job_row(db, status="completed", finished_ago=timedelta(days=29))  # young: kept
    job_row(db, status="processing")  # unfinished: never aged out
    db.session.add_all([PerformanceSnapshot(taken_at=utcnow() - timedelta(days=8), data={}),
                        PerformanceSnapshot(taken_at=utcnow() - timedelta(days=1), data={})])
    # a used link's record goes once the link would have expired anyway, not before
    db.session.add_all([UsedToken(id="a" * 64, kind="password-reset", expires_at=utcnow() - timedelta(minutes=1)),
                        UsedToken(id="b" * 64, kind="email-change", expires_at=utcnow() + timedelta(hours=1))])
    old_log = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(days=400))
    db.session.commit()
    return w, old_log


def test_cleanup_deletes_what_aged_out_and_never_time_logs_or_users(db, factory):
    _, old_log = _aged_world(db, factory)
    logs, users = _count(db, TimeLog), _count(db, User)
    assert (_count(db, JobStatus), _count(db, PerformanceSnapshot)) == (5, 2)
    counts = run_cleanup()
    assert counts == {"job_statuses": 3, "performance_snapshots": 1, "reports": 0, "used_tokens": 1, "exports": 0}
    assert _count(db, JobStatus) == 2 and _count(db, PerformanceSnapshot) == 1
    assert list(db.session.scalars(db.select(UsedToken.id))) == ["b" * 64]
    assert {s.status for s in db.session.scalars(db.select(JobStatus))} == {"completed", "processing"}
    assert _count(db, TimeLog) == logs and _count(db, User) == users
    assert db.session.get(TimeLog, old_log.id) is not None


def test_cleanup_dry_run_prints_per_rule_and_deletes_nothing(app, db, factory):
    _aged_world(db, factory)
    result = app.test_cli_runner().invoke(args=["cleanup", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "job_statuses: would delete 3" in result.output
    assert "performance_snapshots: would delete 1" in result.output
    assert "nothing deleted" in result.output
    assert _count(db, JobStatus) == 5 and _count(db, PerformanceSnapshot) == 2

    result = app.test_cli_runner().invoke(args=["cleanup"])
    assert result.exit_code == 0 and "job_statuses: deleted 3" in result.output
    db.session.expire_all()
    assert _count(db, JobStatus) == 2 and _count(db, PerformanceSnapshot) == 1


def test_the_cleanup_job_runs_on_the_maintenance_queue(db, factory, run_jobs):
    _aged_world(db, factory)
    status = enqueue("cleanup")
    assert status.queue == "maintenance"
    run_jobs()
    status = db.session.get(JobStatus, status.id)
    assert status.status == "completed"
    assert status.result_summary == "job_statuses: 3, performance_snapshots: 1, reports: 0, used_tokens: 1, exports: 0"


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([40, 10, 30, 20], 50) == 20
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7], 95) == 7


def test_performance_snapshot_figures_on_known_data(db, redis_conn):
    for ms in (100, 200, 300, 400):
        job_row(db, kind="echo", finished_ago=timedelta(seconds=10), duration_ms=ms)
    job_row(db, kind="echo", status="failed", finished_ago=timedelta(seconds=20), duration_ms=1000)
    job_row(db, kind="cleanup", finished_ago=timedelta(seconds=30), duration_ms=50, queue="maintenance")
    job_row(db, kind="echo", finished_ago=timedelta(minutes=5), duration_ms=9999)  # outside the interval
    enqueue("echo", "a")
    enqueue("echo", "b")
    q = Queue("default", connection=redis_conn)
    oldest = Job.fetch(q.get_job_ids()[0], connection=redis_conn)
    oldest.enqueued_at = oldest.enqueued_at - timedelta(seconds=90)
    oldest.save()

    snapshot = take_snapshot(interval_seconds=60)
    data = db.session.get(PerformanceSnapshot, snapshot.id).data
    assert data["kinds"]["echo"] == {"count": 5, "failures": 1, "p50_ms": 300, "p95_ms": 1000}
    assert data["kinds"]["cleanup"] == {"count": 1, "failures": 0, "p50_ms": 50, "p95_ms": 50}
    assert data["queues"]["default"]["depth"] == 2
    assert 89 <= data["queues"]["default"]["oldest_age_s"] <= 95
    assert data["queues"]["reports"] == {"depth": 0, "oldest_age_s": None}
    assert data["workers"] == 0


def test_reconcile_fails_a_processing_status_whose_rq_job_failed_or_vanished(db, redis_conn):
    status = enqueue("echo")
    job = Job.fetch(status.rq_job_id, connection=redis_conn)
    job.set_status("failed")
    status.status = JobState.PROCESSING.value
    status.attempts = 1
    status.started_at = utcnow() - timedelta(minutes=2)
    vanished = job_row(db, status="processing")
    vanished.started_at = utcnow() - timedelta(minutes=5)
    running = enqueue("echo")
    Job.fetch(running.rq_job_id, connection=redis_conn).set_status("started")
    running.status = "processing"
    db.session.commit()
    # this Redis has answered for a minute: a worker still running the vanished job would have marked it since
    redis_conn.set(restore.SINCE_KEY, time.time() - 60)

    summary = reconcile()
    assert "statuses synced: 2" in summary
    db.session.expire_all()
    assert db.session.get(JobStatus, status.id).status == "failed"
    assert db.session.get(JobStatus, status.id).error_message == "worker died (abandoned)"
    assert db.session.get(JobStatus, vanished.id).status == "failed"
    assert db.session.get(JobStatus, running.id).status == "processing"  # RQ says it runs: left alone


def test_cli_run_retry_cancel_exit_codes_and_messages(app, db, run_jobs, redis_conn):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "nope"])
    assert result.exit_code == 2 and "unknown job kind 'nope'" in result.output

    result = runner.invoke(args=["jobs", "run", "echo", "hi"])
    assert result.exit_code == 0 and "echo job" in result.output and "pending" in result.output
    status = db.session.scalar(db.select(JobStatus))
    result = runner.invoke(args=["jobs", "retry", status.rq_job_id])
    assert result.exit_code == 1 and "Only a failed job can be retried; this one is pending" in result.output
    result = runner.invoke(args=["jobs", "cancel", str(status.id)])
    assert result.exit_code == 0 and "canceled" in result.output
    db.session.expire_all()
    assert db.session.get(JobStatus, status.id).status == "canceled"
    result = runner.invoke(args=["jobs", "cancel", status.rq_job_id])
    assert result.exit_code == 1 and "Only a pending job can be canceled" in result.output
    result = runner.invoke(args=["jobs", "cancel", "no-such-job"])
    assert result.exit_code == 1 and "no job 'no-such-job'" in result.output

    # a job that fails for good (enqueued without a retry policy), then retried by hand
    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "fail", "oops")
    run_jobs()
    failed = db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == job.id))
    assert failed.status == "failed" and Job.fetch(job.id, connection=redis_conn).get_status() == "failed"
    result = runner.invoke(args=["jobs", "retry", job.id])
    assert result.exit_code == 0 and "requeued: pending" in result.output
    assert Job.fetch(job.id, connection=redis_conn).get_status() == "queued"


def test_cli_worker_refuses_an_unknown_queue(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "nope"])
    assert result.exit_code == 2 and "unknown queue(s) nope" in result.output
