"""Pausing a queue: a real worker process (forking or not) leaves it alone while enqueuing goes on, serves its
other queues meanwhile, and takes the waiting jobs once the queue is resumed; the page says "paused"."""
from __future__ import annotations

import time

import pytest

from app.background import pause
from app.background.enqueue import enqueue, get_queue
from app.extensions import db
from app.models import AuditEntry, JobStatus
from tests.conftest import login


def wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def state(job_id: int) -> str:
    db.session.expire_all()
    return db.session.get(JobStatus, job_id).status


@pytest.mark.parametrize("fork", [True, False])
def test_a_worker_leaves_a_paused_queue_alone_until_it_is_resumed(app_ctx, db, start_worker, fork):
    pause.pause("default")
    start_worker("default", "maintenance", fork=fork)
    held = enqueue("echo", "held").id
    other = enqueue("reconcile_jobs").id  # maintenance: not paused, so the worker is alive and serving
    assert wait_for(lambda: state(other) == "completed"), "the worker did not serve the queue that is not paused"
    time.sleep(3)  # longer than a worker takes to notice (PAUSE_POLL)
    assert state(held) == "pending" and get_queue("default").count == 1
    assert pause.resume("default") is True
    assert wait_for(lambda: state(held) == "completed")


def test_pausing_while_the_worker_listens_and_the_page_says_so(client, factory, start_worker, redis_conn):
    """The worker is blocked listening on the queue when it is paused: a job arriving at once is (almost always)
    taken by that listen, seen to be in a paused queue and put back at the front; either way it waits."""
    admin = factory.user(None, email="root@platform.test", is_system_admin=True)
    start_worker("default", name="pause-listener")
    assert wait_for(lambda: redis_conn.exists("rq:worker:pause-listener"))
    time.sleep(0.5)  # in its blocking listen now
    login(client, admin)
    assert client.post("/jobs/queues/default/pause").status_code == 303
    held = enqueue("echo", "held").id
    time.sleep(2.5)
    assert state(held) == "pending" and get_queue("default").get_job_ids() == [db.session.get(JobStatus, held)
                                                                                 .rq_job_id]
    html = client.get("/jobs/queues").get_data(as_text=True)
    assert 'data-queue="default" data-paused="yes"' in html and 'data-testid="queue-paused"' in html
    assert client.post("/jobs/queues/default/resume").status_code == 303
    assert wait_for(lambda: state(held) == "completed")
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.target, e.actor_id) for e in entries] == [("jobs.queue_pause", "default", admin.id),
                                                                    ("jobs.queue_resume", "default", admin.id)]


def test_only_system_admins_pause_and_unknown_queues_are_404(client, factory):
    w = factory.world()
    login(client, w.owner)
    assert client.post("/jobs/queues/default/pause").status_code == 403
    assert pause.paused() == set()
    client.post("/logout")
    login(client, w.sysadmin)
    assert client.post("/jobs/queues/nope/pause").status_code == 404
    assert client.post("/jobs/queues/default/pause").status_code == 303
    assert pause.paused() == {"default"}


def test_the_cli_pauses_and_resumes_and_refuses_an_unknown_queue(app_ctx):
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["jobs", "pause", "reports"])
    assert result.exit_code == 0 and "queue reports paused" in result.output
    assert pause.paused() == {"reports"}
    assert "already paused" in runner.invoke(args=["jobs", "pause", "reports"]).output
    bad = runner.invoke(args=["jobs", "pause", "nope"])
    assert bad.exit_code == 2 and "unknown queue 'nope'" in bad.output
    assert runner.invoke(args=["jobs", "resume", "reports"]).exit_code == 0 and pause.paused() == set()


def test_retry_cancel_pause_and_resume_answer_with_a_message_never_a_traceback(app_ctx, db):
    """One wrapper for the four job actions: a refused action, an unknown job and Redis being down each give a
    message and exit status 1 (an unknown queue: a usage error, 2)."""
    from app import create_app
    from app.background.enqueue import enqueue
    from tests.processes import free_port

    runner = app_ctx.test_cli_runner()
    pending = enqueue("echo", "waiting")
    refused = runner.invoke(args=["jobs", "retry", pending.rq_job_id])  # only a failed job runs again
    assert refused.exit_code == 1 and "Error:" in refused.output and refused.exception.__class__ is SystemExit
    missing = runner.invoke(args=["jobs", "cancel", "no-such-job"])
    assert missing.exit_code == 1 and "no job 'no-such-job'" in missing.output
    down = create_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    with down.app_context():
        for args in (["jobs", "cancel", pending.rq_job_id], ["jobs", "pause", "reports"],
                     ["jobs", "resume", "reports"]):
            result = down.test_cli_runner().invoke(args=args)
            assert result.exit_code == 1 and "Error:" in result.output, (args, result.output, result.exception)
            assert isinstance(result.exception, SystemExit)  # a message, not a traceback
