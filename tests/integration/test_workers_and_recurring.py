"""The job monitor's operator sections with real processes: workers (queues, current job and for how long,
counts, lost when the process is gone) and recurring entries (last run and outcome, average duration, switched
off and on, kept across a scheduler restart, never duplicated)."""
from __future__ import annotations

import os
import re
import signal
import time
from types import SimpleNamespace

from rq_scheduler import Scheduler

from app.background import recurring
from app.background.enqueue import enqueue
from app.models import AuditEntry, RecurringSetting
from app.redis_client import get_redis
from tests.conftest import login


def worker_row(html: str, name: str) -> str:
    """"<state> <cells>" of the worker's row, "" when it is not listed."""
    match = re.search(rf'<tr data-worker="{name}" data-state="(\w+)">(.*?)</tr>', html, re.S)
    return match[1] + " " + match[2] if match else ""


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_workers_show_their_queues_current_job_counts_and_are_lost_when_killed(client, factory, start_worker):
    admin = factory.user(None, email="root@platform.test", is_system_admin=True)
    login(client, admin)
    worker = start_worker("default", "reports", name="ops-test-worker")
    enqueue("echo", "first")
    row = wait_for(lambda: (r := worker_row(client.get("/jobs/workers").get_data(as_text=True), "ops-test-worker"))
                   .startswith("idle") and '<td class="num">1</td><td class="num">0</td>' in r and r)
    slow = enqueue("sleep", 6)
    row = wait_for(lambda: (r := worker_row(client.get("/jobs/workers").get_data(as_text=True), "ops-test-worker"))
                   .startswith("busy") and re.search(r"for \d+ s", r) and r)
    assert "default, reports" in row and slow.rq_job_id[:8] in row
    os.killpg(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait(5)
    row = worker_row(client.get("/jobs/workers").get_data(as_text=True), "ops-test-worker")
    assert row.startswith("lost")


def test_a_member_sees_no_operator_sections(client, factory):
    w = factory.world()
    login(client, w.owner)
    html = client.get("/jobs").get_data(as_text=True)
    assert 'data-testid="worker-table"' not in html and 'data-testid="queue-table"' not in html
    assert 'data-testid="recurring-table"' not in html
    for tab in ("queues", "workers", "recurring"):
        assert client.get(f"/jobs/{tab}").status_code == 403
    assert client.post("/jobs/recurring/cleanup/disable").status_code == 403


def test_recurring_entries_switch_off_and_on_across_restarts_without_duplicates(client, factory, db, run_jobs):
    admin = factory.user(None, email="root@platform.test", is_system_admin=True)
    admin_id = admin.id
    scheduler = recurring.make_scheduler(get_redis())
    recurring.register(scheduler)
    assert "recurring-cleanup" in scheduler
    login(client, admin)
    assert client.post("/jobs/recurring/cleanup/disable").status_code == 303
    recurring.sync(scheduler)  # what the scheduler's loop does every few seconds
    assert "recurring-cleanup" not in scheduler
    restarted = recurring.make_scheduler(get_redis())  # a new scheduler process registers the table again
    recurring.register(restarted)
    assert "recurring-cleanup" not in restarted and "recurring-performance_snapshot" in restarted
    html = client.get("/jobs/recurring").get_data(as_text=True)
    assert 'data-entry="cleanup" data-enabled="no"' in html
    assert client.post("/jobs/recurring/cleanup/enable").status_code == 303
    recurring.register(restarted)
    recurring.sync(restarted)
    recurring.register(restarted)
    ids = [job.id for job in Scheduler(connection=get_redis()).get_jobs()]
    assert ids.count("recurring-cleanup") == 1 and len(ids) == len(set(ids))
    setting = db.session.get(RecurringSetting, "cleanup")
    assert setting.enabled is True and setting.changed_by_id == admin_id
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["jobs.recurring_disable", "jobs.recurring_enable"]
    assert client.post("/jobs/recurring/nope/enable").status_code == 404


def test_recurring_entries_show_last_run_outcome_and_average_duration(client, factory, db, run_jobs):
    factory.user(None, email="root@platform.test", is_system_admin=True)
    recurring.run_entry("performance_snapshot")
    run_jobs(["maintenance"])  # in this process: it closes the session the user above lives in
    login(client, SimpleNamespace(email="root@platform.test"))
    html = client.get("/jobs/recurring").get_data(as_text=True)
    row = re.search(r'<tr data-entry="performance_snapshot".*?</tr>', html, re.S)[0]
    assert "badge-completed" in row and re.search(r"\d+\.\d\d s", row) and "never" not in row
    cleanup = re.search(r'<tr data-entry="cleanup".*?</tr>', html, re.S)[0]
    assert "never" in cleanup
