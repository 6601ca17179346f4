"""/jobs/latency (system admins): p50/p95 of wait (from when a job could run to its start) and run time per queue
and kind over the last hour and day, and the cumulative flow of the last 24 hours (queued, running, finished) as a
server-drawn SVG."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from app.job_monitor.latency import cumulative_flow, percentile
from app.models import JobStatus, utcnow
from tests.conftest import login


@pytest.fixture()
def world(factory):
    return factory.world()


def job(db, kind="echo", queue="default", enqueued=None, wait=None, run=None, run_at=None, status=None):
    """One job row: enqueued `enqueued` ago, started `wait` seconds after it could run, running `run` seconds."""
    enqueued_at = utcnow() - enqueued
    ready = run_at or enqueued_at
    started = ready + timedelta(seconds=wait) if wait is not None else None
    finished = started + timedelta(seconds=run) if run is not None else None
    row = JobStatus(rq_job_id=uuid.uuid4().hex, kind=kind, queue=queue, enqueued_at=enqueued_at, run_at=run_at,
                    started_at=started, finished_at=finished, duration_ms=int(run * 1000) if run is not None else None,
                    status=status or ("completed" if finished else "processing" if started else "pending"))
    db.session.add(row)
    return row


def cell(html: str, queue: str, kind: str, window: str) -> str:
    row = re.search(rf'<tr data-queue="{queue}" data-kind="{kind}">.*?</tr>', html, re.S)[0]
    return re.search(rf'data-window="{window}">([^<]+)<', row)[1].strip()


def test_wait_and_run_percentiles_per_queue_and_kind_over_the_hour_and_the_day(client, db, world):
    for i in range(1, 21):  # the last hour: waits 1..20 s, runs 0.1..2.0 s
        job(db, enqueued=timedelta(minutes=50), wait=i, run=i / 10)
    for _ in range(10):  # five hours ago: 100 s waits
        job(db, enqueued=timedelta(hours=5), wait=100, run=3)
    job(db, kind="cleanup", queue="maintenance", enqueued=timedelta(minutes=5), wait=2, run=30)
    delayed_due = utcnow() - timedelta(minutes=10)
    job(db, kind="sleep", enqueued=timedelta(minutes=40), run_at=delayed_due, wait=4, run=1)  # waits from due time
    job(db, enqueued=timedelta(days=3), wait=999, run=1)  # outside both windows
    db.session.commit()
    login(client, world.sysadmin)
    html = client.get("/jobs/latency").get_data(as_text=True)
    assert cell(html, "default", "echo", "hour-count") == "20"
    assert cell(html, "default", "echo", "hour-wait") == "10 s / 19 s"
    assert cell(html, "default", "echo", "hour-run") == "1.00 s / 1.90 s"
    assert cell(html, "default", "echo", "day-count") == "30"
    assert cell(html, "default", "echo", "day-wait") == "15 s / 100 s"
    assert cell(html, "maintenance", "cleanup", "hour-run") == "30 s / 30 s"
    assert cell(html, "default", "sleep", "hour-wait") == "4.00 s / 4.00 s"  # not its 30 min delay
    assert "Diagnostic echo" in html  # kinds by their label


def test_the_cumulative_flow_counts_arrivals_starts_and_finishes_over_24_hours(client, db, world):
    job(db, enqueued=timedelta(hours=10), wait=60, run=3600)  # finished nine hours ago
    job(db, enqueued=timedelta(hours=3), wait=10, run=20)
    job(db, enqueued=timedelta(minutes=20), wait=5, run=5)
    job(db, enqueued=timedelta(minutes=10), wait=1)  # running
    job(db, enqueued=timedelta(minutes=8), wait=2)  # running
    for _ in range(4):
        job(db, enqueued=timedelta(minutes=3))  # queued
    job(db, enqueued=timedelta(hours=30), wait=1, run=1)  # before the window
    db.session.commit()
    flow = cumulative_flow()
    assert len(flow) == 48 and flow[-1].at <= utcnow()
    last = flow[-1]
    assert (last.arrived, last.finished, last.running, last.queued) == (9, 3, 2, 4)
    nine_hours_ago = next(p for p in flow if p.at >= utcnow() - timedelta(hours=8, minutes=45))
    assert (nine_hours_ago.arrived, nine_hours_ago.finished) == (1, 1)
    early = flow[0]  # 23.5 hours ago: nothing yet
    assert (early.arrived, early.started, early.finished) == (0, 0, 0)
    login(client, world.sysadmin)
    html = client.get("/jobs/latency").get_data(as_text=True)
    assert "Now: 3 finished, 2 running, 4 queued, of 9 enqueued in the last 24 hours." in html
    bands = dict(re.findall(r'<polygon points="([^"]+)" class="band band-\w+" data-band="(\w+)"', html))
    assert set(bands.values()) == {"finished", "running", "queued"}
    assert all(len(points.split()) == 96 for points in bands)  # 48 points along the top and back along the bottom
    # the axis starts with its day, and a legend names the bands, top to bottom as they are stacked
    assert re.search(r'data-testid="jobs-flow-from">' + flow[0].at.strftime("%Y-%m-%d %H:%M") + "<", html)
    legend = html.split('data-testid="jobs-flow-legend"')[1].split("</ul>")[0]
    assert re.findall(r'class="swatch band-(\w+)"[^>]*></span>(\w+)</li>', legend) == [
        ("queued", "queued"), ("running", "running"), ("finished", "finished")]


def test_the_latency_tab_is_for_system_admins(client, world):
    login(client, world.owner)
    assert client.get("/jobs/latency").status_code == 403
    client.post("/logout")
    login(client, world.sysadmin)
    page = client.get("/jobs/latency").get_data(as_text=True)
    assert 'href="/jobs/latency"' in page and "No job started in the last day." in page


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0
    assert percentile(list(range(1, 101)), 95) == 95 and percentile(list(range(1, 101)), 50) == 50


def test_a_job_retried_by_hand_waits_from_its_retry_not_from_its_first_enqueue(client, db, world, redis_conn, app):
    """Its first run failed half an hour ago; retried now, it starts 3 s later: its wait is 3 s, on /jobs/latency and
    /jobs/queues alike, and its page shows no start until it starts again."""
    from freezegun import freeze_time

    from app.background.enqueue import enqueue, retry

    status = enqueue("echo", "again", user_id=world.member.id)
    status.start("w:1")
    status.fail("boom")
    db.session.commit()
    base = utcnow()
    with freeze_time(base + timedelta(minutes=30)):
        retry(status)
        assert status.started_at is None and status.status == "pending"
        login(client, world.member)
        assert 'data-testid="job-trace"' not in client.get(f"/jobs/{status.rq_job_id}").get_data(as_text=True)
    with freeze_time(base + timedelta(minutes=30, seconds=3)):
        status.start("w:1")
        status.complete("ok")
        db.session.commit()
        client.post("/logout")
        login(client, world.sysadmin)
        assert cell(client.get("/jobs/latency").get_data(as_text=True), "default", "echo", "hour-wait") == \
            "3.00 s / 3.00 s"
        queues = client.get("/jobs/queues").get_data(as_text=True)
    row = re.search(r'<tr[^>]*>\s*<td>(?:<[^>]+>)*default.*?</tr>', queues, re.S)[0]
    assert re.search(r'data-window="hour">1 / 0 / [\d.]+ s / 3\.00 s<', row), row
