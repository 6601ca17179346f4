"""One trace per job (issue 23): a job's page draws the wait, the run, and each stream the job published with the
moment a real gateway wrote it to its last socket; a stream nobody watched says so."""
from __future__ import annotations

import re
import time

from sqlalchemy import select

from app.background.enqueue import enqueue
from app.models import JobStatus
from app.web import request_id
from tests.conftest import login
from tests.sockets import first, open_socket, session_cookie


def _delivery_notes(client, rq_id: str) -> list[str]:
    page = client.get(f"/jobs/{rq_id}").get_data(as_text=True)
    return re.findall(r"delivered to the last socket after (\d+) ms", page)


def test_a_jobs_page_traces_its_streams_to_the_last_socket(app, db, client, factory, start_gateway, start_worker):
    gateway = start_gateway()
    w = factory.world()
    topic = f"dashboard:team:{w.alpha.id}"
    ws = open_socket(gateway.port, session_cookie(app, w.manager.id), topic)
    try:
        assert first(ws, 'target="stream-status"'), "the gateway confirms the subscription"
        with request_id.job_context("req-trace-1", None):  # as a request with that id would enqueue it
            status = enqueue("dashboard_data", topic, key=topic)
        start_worker("dashboard", fork=False)
        assert first(ws, 'data-testid="dashboard-metrics"', timeout=30)
        rq_id = db.session.scalar(select(JobStatus.rq_job_id).where(JobStatus.id == status.id))
        login(client, w.sysadmin)
        deadline = time.time() + 15
        while not _delivery_notes(client, rq_id) and time.time() < deadline:
            time.sleep(0.2)
            db.session.expire_all()  # pages read through this session; a brief job writes its row at its end
        page = client.get(f"/jobs/{rq_id}").get_data(as_text=True)
    finally:
        ws.close()
    assert 'data-testid="job-trace"' in page
    assert "queued by request req-trace-1" in page
    assert page.count('data-testid="trace-wait"') == 1 and page.count('data-testid="trace-run"') == 1
    publishes = re.findall(r'<tr data-testid="trace-publish"><td>stream ([^<]+)</td>', page)
    assert topic in publishes  # the sections it streamed to the team's dashboard
    assert _delivery_notes(client, rq_id), page


def test_a_stream_no_socket_received_is_traced_as_undelivered(app, db, client, factory, watch, start_worker):
    w = factory.world()
    topic = f"dashboard:team:{w.alpha.id}"
    watch(topic)  # marked as watched (so the job renders for it), but no gateway holds a socket for it
    status = enqueue("dashboard_data", topic, key=topic)
    start_worker("dashboard", fork=False)
    deadline = time.time() + 30
    while time.time() < deadline:
        db.session.expire_all()
        if db.session.get(JobStatus, status.id).status == "completed":
            break
        time.sleep(0.2)
    login(client, w.sysadmin)
    page = client.get(f"/jobs/{db.session.get(JobStatus, status.id).rq_job_id}").get_data(as_text=True)
    assert 'data-testid="trace-run"' in page
    rows = re.findall(r'<tr data-testid="trace-publish">.*?</tr>', page, re.S)
    assert rows and all("no socket was watching" in row for row in rows), page
