"""Streams across processes: a dashboard job run by a real worker process reaches real WebSocket
clients of two real web processes; a user outside the team receives nothing; a burst of changes
recomputes each dashboard at most twice."""
from __future__ import annotations

import time

import pytest
from simple_websocket import Client, ConnectionClosed
from sqlalchemy import func, select

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
    start_worker("dashboard")
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


def test_a_burst_of_100_changes_recomputes_each_dashboard_at_most_twice(app, db, factory, start_worker, watch):
    """100 changes within one debounce window, from this process; a real worker process runs the debounced jobs.

    The window is 2 s so that a loaded CI machine still fits the burst (about 0.3 s when idle) inside it."""
    from app.services.dashboards.invalidation import mark_dirty_for_logs

    w = factory.world()
    app.config["DASHBOARD_DEBOUNCE_SECONDS"] = 2.0
    keys = [f"dashboard:user:{w.member.id}", f"dashboard:team:{w.alpha.id}", f"dashboard:org:{w.org.id}",
            "dashboard:system"]
    watch(*keys)  # pages have them open
    try:
        start_worker("dashboard")
        logs = [factory.time_log(w.member, w.alpha_project, minutes=5 + i % 7) for i in range(100)]
        started = time.time()
        for log in logs:
            mark_dirty_for_logs([log])
        burst = time.time() - started
        assert burst < 2.0, f"the burst took {burst:.2f}s, longer than the debounce window"
        deadline = time.time() + 30
        while time.time() < deadline:
            db.session.expire_all()
            unfinished = db.session.scalar(select(func.count()).select_from(JobStatus).where(
                JobStatus.kind == "dashboard_data", JobStatus.status.in_(["pending", "processing"])))
            if unfinished == 0:
                break
            time.sleep(0.3)
        runs = dict(db.session.execute(
            select(JobStatus.coalesce_key, func.count()).where(JobStatus.kind == "dashboard_data",
                                                               JobStatus.status == "completed")
            .group_by(JobStatus.coalesce_key)).all())
        assert set(runs) == set(keys)
        assert all(1 <= n <= 2 for n in runs.values()), runs
    finally:
        app.config["DASHBOARD_DEBOUNCE_SECONDS"] = 0.5
