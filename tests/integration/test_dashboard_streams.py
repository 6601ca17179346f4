"""Streams across processes: a dashboard job run by a real worker process reaches real WebSocket
clients of two real web processes; a user outside the team receives nothing; a burst of changes
recomputes each dashboard at most twice (the throttle's leading run and one trailing run)."""
from __future__ import annotations

import time

import pytest
from simple_websocket import Client, ConnectionClosed
from sqlalchemy import func, select

from app.background.catalog import DASHBOARD_KINDS
from app.models import JobStatus


def session_cookie(app, user_id: int) -> str:
    from app.extensions import db
    from app.models import User

    token = db.session.get(User, user_id).get_id()  # "<id>:<session_version>", as Flask-Login stores it
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": token, "_fresh": True})
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={value}"


def connect(app, base: str, user_id: int, topic: str) -> Client:
    url = base.replace("http://", "ws://") + f"/turbo-stream?topic={topic}"
    return Client.connect(url, headers={"Cookie": session_cookie(app, user_id)})


def wait_for(ws: Client, needle: str, timeout: float = 20) -> str | None:
    """The first message containing `needle`, or None if none came in time (or the socket closed)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            message = ws.receive(timeout=0.5)
        except ConnectionClosed:
            return None
        if message and needle in message:
            return message
    return None


@pytest.fixture()
def two_webs_and_a_worker(start_web, start_worker):
    first, second = start_web(), start_web()
    start_worker("dashboard", fork=False)
    return first, second


def test_a_worker_job_reaches_clients_on_two_web_processes_and_no_outsider(app, db, factory,
                                                                           two_webs_and_a_worker):
    from app.background.enqueue import enqueue

    first, second = two_webs_and_a_worker
    w = factory.world()
    key = f"dashboard:team:{w.alpha.id}"
    manager = connect(app, first, w.manager.id, key)  # manages Alpha
    owner = connect(app, second, w.owner.id, key)  # owns the organization
    beta = connect(app, second, w.beta_member.id, key)  # not in Alpha: asks for the topic all the same
    try:
        for ws in (manager, owner):
            assert wait_for(ws, 'target="stream-status"'), "the server confirms the subscription"
        enqueue("dashboard_data", key, key=key)
        for ws in (manager, owner):
            message = wait_for(ws, 'data-testid="dashboard-metrics"')
            assert message and f'target="dashboard-team-{w.alpha.id}-team_summary"' in message
        assert wait_for(beta, "dashboard-", timeout=2) is None
        assert not beta.connected  # the server refused the topic and closed
    finally:
        for ws in (manager, owner, beta):
            if ws.connected:
                ws.close()


def _changes(log_ids: list[int], window: float, barrier) -> None:
    """One process of the burst: its own app, a change (mark_dirty) per log, as the web processes make them."""
    from app import create_app
    from app.dashboards.invalidation import mark_dirty_for_logs
    from app.extensions import db
    from app.models import TimeLog

    app = create_app({"DASHBOARD_THROTTLE_SECONDS": window})
    with app.app_context():
        logs = [db.session.get(TimeLog, i) for i in log_ids]
        barrier.wait(timeout=120)
        for log in logs:
            mark_dirty_for_logs([log])


def _wait_until_idle(db, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        db.session.expire_all()
        unfinished = db.session.scalar(select(func.count()).select_from(JobStatus).where(
            JobStatus.kind.in_(DASHBOARD_KINDS), JobStatus.status.in_(["pending", "processing"])))
        if unfinished == 0:
            return
        time.sleep(0.3)
    raise AssertionError("dashboard jobs still unfinished")


def _runs(db) -> dict[str, int]:
    return dict(db.session.execute(
        select(JobStatus.coalesce_key, func.count()).where(JobStatus.kind.in_(DASHBOARD_KINDS),
                                                           JobStatus.status == "completed")
        .group_by(JobStatus.coalesce_key)).all())


def test_a_burst_of_100_changes_from_four_processes_recomputes_each_dashboard_at_most_twice(
        app, db, factory, start_worker, watch):
    """The burst's first change runs at once (a real worker process runs it); the other 99, made by four
    processes while its window is open, share one trailing run. The window is long (120 s) so that a loaded
    machine still fits the burst inside it; the test then releases the trailing run instead of waiting."""
    import multiprocessing

    from app.background.reconcile import release_overdue_scheduled
    from app.dashboards.invalidation import mark_dirty_for_logs

    window = 120.0
    w = factory.world()
    keys = [f"dashboard:user:{w.member.id}", f"dashboard:team:{w.alpha.id}", f"dashboard:org:{w.org.id}",
            "dashboard:system"]
    watch(*keys)  # pages have them open
    logs = [factory.time_log(w.member, w.alpha_project, minutes=5 + i % 7) for i in range(100)]
    start_worker("dashboard", "dashboard_system", fork=False)
    app.config["DASHBOARD_THROTTLE_SECONDS"] = window
    try:
        mark_dirty_for_logs(logs[:1])
    finally:
        app.config["DASHBOARD_THROTTLE_SECONDS"] = 0.5
    _wait_until_idle(db)
    assert _runs(db) == dict.fromkeys(keys, 1)  # the leading run, at once

    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(4)
    procs = [spawn.Process(target=_changes, args=([log.id for log in logs[1 + i::4]], window, barrier))
             for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]
    db.session.expire_all()
    pending = db.session.scalars(select(JobStatus.coalesce_key).where(
        JobStatus.kind.in_(DASHBOARD_KINDS), JobStatus.status == "pending")).all()
    assert sorted(pending) == sorted(keys)  # one trailing run per dashboard, waiting for the window's end
    assert release_overdue_scheduled(overdue=-3600) == len(keys)
    _wait_until_idle(db)
    assert _runs(db) == dict.fromkeys(keys, 2)
