"""The recurring table: registered once however often the scheduler starts, tracked runs, seeding switch."""
from __future__ import annotations

import subprocess
import sys

from rq import Queue

from app.background import recurring
from app.background.catalog import KINDS
from app.models import JobStatus
from tests.processes import ROOT, process_env


def _scheduled_ids(redis_conn) -> list[str]:
    return [m.decode() for m in redis_conn.zrange("rq:scheduler:scheduled_jobs", 0, -1)]


def test_every_entry_names_a_known_kind_and_exactly_one_timing():
    for entry in recurring.RECURRING:
        assert entry.kind in KINDS
        assert bool(entry.every) != bool(entry.cron), entry.name
    names = {e.name for e in recurring.RECURRING}
    assert {"data_seeding", "cleanup", "performance_snapshot", "cache_warming", "report_archival"} <= names


def test_registering_many_times_and_from_two_schedulers_never_duplicates(app_ctx, redis_conn):
    for _ in range(3):
        recurring.register(recurring.make_scheduler(redis_conn))
    recurring.register(recurring.make_scheduler(redis_conn))  # a second scheduler instance
    ids = _scheduled_ids(redis_conn)
    enabled = [e.id for e in recurring.RECURRING if e.is_enabled()]
    assert sorted(ids) == sorted(enabled) and len(ids) == len(set(ids))
    assert "recurring-data_seeding" not in ids  # off unless switched on


def test_starting_the_scheduler_process_twice_keeps_one_entry_each(db, redis_conn):
    enabled = [e.id for e in recurring.RECURRING if e.is_enabled()]
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "flask", "jobs", "scheduler", "--burst"], cwd=ROOT,
                              env=process_env(), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert f"registered {len(enabled)} recurring entries" in done.stdout
    ids = _scheduled_ids(redis_conn)
    assert len(ids) == len(set(ids)) == len(enabled)


def test_a_due_entry_becomes_a_tracked_job_and_does_not_pile_up(db, redis_conn):
    scheduler = recurring.make_scheduler(redis_conn)
    recurring.register(scheduler)  # interval entries are due at once
    scheduler.enqueue_jobs()
    scheduler.connection.zadd(scheduler.scheduled_jobs_key, {"recurring-performance_snapshot": 0})
    scheduler.enqueue_jobs()  # due again while the first run is still pending: skipped
    rows = db.session.scalars(db.select(JobStatus).where(JobStatus.kind == "performance_snapshot")).all()
    assert len(rows) == 1 and rows[0].coalesce_key == "recurring:performance_snapshot"
    assert rows[0].user_id is None and rows[0].status == "pending"
    assert Queue("maintenance", connection=redis_conn).count == 2  # snapshot, cache warming
    # and the entry is planned again, about a minute ahead
    next_run = recurring.next_runs(scheduler)["performance_snapshot"]
    from app.models import utcnow

    assert 50 <= (next_run - utcnow()).total_seconds() <= 61


def test_seeding_switch_turns_the_entry_on_and_off_without_a_restart(app, db, redis_conn):
    runner = app.test_cli_runner()
    scheduler = recurring.make_scheduler(redis_conn)
    recurring.register(scheduler)
    result = runner.invoke(args=["seeding", "status"])
    assert result.exit_code == 0 and "seeding is off (SEEDING_ENABLED is not set)" in result.output

    result = runner.invoke(args=["seeding", "start"])
    assert result.exit_code == 0 and "seeding started" in result.output
    assert "recurring-data_seeding" in _scheduled_ids(redis_conn)
    scheduler.enqueue_jobs()  # the running scheduler's next loop
    assert db.session.scalar(db.select(JobStatus).where(JobStatus.kind == "data_seeding")) is not None
    assert Queue("seeding", connection=redis_conn).count == 1
    assert "seeding is on (flask seeding start)" in runner.invoke(args=["seeding", "status"]).output

    result = runner.invoke(args=["seeding", "stop"])
    assert result.exit_code == 0 and "recurring-data_seeding" not in _scheduled_ids(redis_conn)


def test_the_scheduler_loop_picks_up_a_switch_flipped_elsewhere(app_ctx, redis_conn):
    from app.background import seeding_switch

    scheduler = recurring.make_scheduler(redis_conn)
    recurring.register(scheduler)
    seeding_switch.set_enabled(True)  # e.g. another machine's `flask seeding start`, before it synced
    recurring.sync(scheduler)
    assert "recurring-data_seeding" in _scheduled_ids(redis_conn)
    seeding_switch.set_enabled(False)
    recurring.sync(scheduler)
    assert "recurring-data_seeding" not in _scheduled_ids(redis_conn)


def test_flask_jobs_schedule_lists_each_entry_with_its_next_run(app, redis_conn):
    runner = app.test_cli_runner()
    with app.app_context():
        recurring.register(recurring.make_scheduler(redis_conn))
    result = runner.invoke(args=["jobs", "schedule"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()}
    assert "every 60s" in lines["performance_snapshot"] and " yes " in lines["performance_snapshot"]
    assert "cron 17 3 * * *" in lines["cleanup"]
    assert lines["data_seeding"].rstrip().endswith("not scheduled") and " no " in lines["data_seeding"]
    assert all(name in lines for name in recurring.ENTRIES)
