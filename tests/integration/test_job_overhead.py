"""What tracking costs per job (issue 23): the commits, SQL statements and Redis round trips a no-op job takes
through our enqueue and worker (app/background/worker.py's non-forking class, in this process), counted with
SQLAlchemy's events and around redis-py's connections, against bare RQ for the same job, and bounded, so that the
overhead does not creep back. Real Redis, real RQ."""
from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import contextmanager

import pytest
from redis.connection import Connection
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.job import JobStatus as RQStatus
from sqlalchemy import event

from app.background import tracking
from app.background.enqueue import enqueue, get_queue
from app.background.worker import TimeboardSimpleWorker
from app.live.presence import mark_watched
from app.live.publisher import CHANNEL
from app.models import JobState, JobStatus
from app.redis_client import Outage

JOBS = 5


@pytest.fixture()
def relay(redis_conn):
    """Subscribed to the relay channel now; relay(seconds) gives the stream messages published since."""
    pubsub = redis_conn.pubsub()
    pubsub.subscribe(CHANNEL)
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"

    def drain(seconds: float) -> list[dict]:
        messages, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.05)
            if message and message["type"] == "message":
                messages.append(json.loads(message["data"]))
        return [m for m in messages if "stream" in m]

    yield drain
    pubsub.close()


@contextmanager
def counting(engine):
    """Counts {"commits", "statements", "redis"} while the block runs; redis: what is sent to Redis, a command or a
    whole pipeline, each one round trip."""
    counts = {"commits": 0, "statements": 0, "redis": 0}

    def on_commit(conn):
        counts["commits"] += 1

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        counts["statements"] += 1

    send = Connection.send_packed_command

    def counted_send(self, command, check_health=True):
        counts["redis"] += 1
        return send(self, command, check_health)

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "before_cursor_execute", on_statement)
    Connection.send_packed_command = counted_send
    try:
        yield counts
    finally:
        Connection.send_packed_command = send
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "before_cursor_execute", on_statement)


def per_job(counts: dict) -> dict:
    return {k: v / JOBS for k, v in counts.items()}


def ours(db, redis_conn, kind: str = "echo", *args) -> tuple[dict, dict]:
    enqueue(kind, *(args or ("warm-up",)))  # imports, connections, the queue's server version
    run_ours(redis_conn)
    with counting(db.engine) as enqueued:
        ids = [enqueue(kind, *(args or (str(i),))).id for i in range(JOBS)]
    with counting(db.engine) as worked:
        run_ours(redis_conn)
    db.session.expire_all()
    assert [db.session.get(JobStatus, i).status for i in ids] == [JobState.COMPLETED] * JOBS
    return per_job(enqueued), per_job(worked)


def run_ours(redis_conn) -> None:
    worker = TimeboardSimpleWorker([get_queue("default")], connection=redis_conn,
                                   outage=Outage("test", logging.getLogger(__name__)))
    worker.work(burst=True, with_scheduler=False, logging_level="WARNING")


def bare(db, redis_conn) -> tuple[dict, dict]:
    queue = Queue("default", connection=redis_conn)
    queue.enqueue("jobs.diagnostics.echo", "warm-up")
    SimpleWorker([queue], connection=redis_conn).work(burst=True, with_scheduler=False, logging_level="WARNING")
    with counting(db.engine) as enqueued:
        for i in range(JOBS):
            queue.enqueue("jobs.diagnostics.echo", str(i))
    with counting(db.engine) as worked:
        SimpleWorker([queue], connection=redis_conn).work(burst=True, with_scheduler=False, logging_level="WARNING")
    return per_job(enqueued), per_job(worked)


# before issue 23: 3.0 round trips to enqueue (a new Queue asked the server's version every time, presence went
# apart) and 6.2 more than bare RQ in the worker (presence per state change, the paused set twice per dequeue, the
# job's status read back for the metrics): 6.4 more than bare RQ per job in all
EXTRA_ROUND_TRIPS = 2.0
COMMITS = 2  # the pending row with the enqueue, completed with the result (a brief kind, catalog.JobKind.brief)
STATEMENTS = 2  # INSERT; the worker's one UPDATE, without reading the row first
FULL_COMMITS = 3  # a kind that is not brief writes its start too: the pending row, processing, completed
FULL_STATEMENTS = 4  # INSERT; the worker's SELECT of the row and its two UPDATEs


def test_a_no_op_job_takes_two_commits_and_at_most_two_redis_round_trips_more_than_bare_rq(db, redis_conn):
    (enqueued, worked), (bare_enqueued, bare_worked) = ours(db, redis_conn), bare(db, redis_conn)
    assert enqueued["commits"] + worked["commits"] == COMMITS
    assert enqueued["statements"] + worked["statements"] == STATEMENTS
    assert enqueued["redis"] <= bare_enqueued["redis"], "the enqueue and its presence question go in one round trip"
    extra = enqueued["redis"] + worked["redis"] - bare_enqueued["redis"] - bare_worked["redis"]
    assert extra <= EXTRA_ROUND_TRIPS, (enqueued, worked, bare_enqueued, bare_worked)


def test_a_job_of_a_kind_that_is_not_brief_writes_its_start_too(db, redis_conn, monkeypatch):
    monkeypatch.setattr(tracking, "PROGRESS_EVERY", 3600)  # `sleep` reports progress: on a slow machine, a write
    enqueued, worked = ours(db, redis_conn, "sleep", 0)
    assert enqueued["commits"] + worked["commits"] == FULL_COMMITS
    assert enqueued["statements"] + worked["statements"] == FULL_STATEMENTS


def test_a_monitor_opened_while_the_job_runs_sees_it_finish(db, redis_conn, relay):
    """Presence is asked as the worker takes the job (nobody watches then) and not again at its start; the end asks
    again about the monitors nobody watched, so one opened while the job ran gets the finished row."""
    status = enqueue("sleep", 0.5)
    job = Job.fetch(status.rq_job_id, connection=redis_conn)

    def open_monitor_once_started():  # a system admin opens /jobs while the job sleeps
        deadline = time.monotonic() + 30
        while job.get_status(refresh=True) != RQStatus.STARTED and time.monotonic() < deadline:
            time.sleep(0.01)
        mark_watched(["jobs:all"], redis_conn)

    monitor = threading.Thread(target=open_monitor_once_started)
    monitor.start()
    run_ours(redis_conn)
    monitor.join()
    db.session.expire_all()
    assert db.session.get(JobStatus, status.id).status == JobState.COMPLETED
    finished = [m for m in relay(0.5) if status.rq_job_id in m["stream"] and 'data-status="completed"' in m["stream"]]
    assert finished and finished[0]["topics"] == ["jobs:all"]


def dashboard_pushes(relay, key, languages=("en",)) -> dict[str, list[str]]:
    """{topic: the streams published to it} since the last call, for the dashboard in each language."""
    from app.live.topics import in_language

    pushed = relay(0.5)
    return {in_language(key, language): [m["stream"] for m in pushed if m["topics"] == [in_language(key, language)]]
            for language in languages}


def test_a_dashboard_computed_in_milliseconds_reaches_its_pages_in_two_pushes_whatever_the_languages(
        app, db, factory, redis_conn, relay, monkeypatch):
    """After a first run (each section pushed as it is ready: their times are unknown), the sections' recent times say
    they are ready within PUSH_WITHIN of one another: per language, the primary section as soon as it is ready, then
    one message with every other section, the progress bar and the cleared alert; three Redis round trips in all
    (presence with the stale marker and the recent times; each push with its cache entries and the next presence
    question), whether one language watches or two."""
    from app.dashboards import recompute as recomputing
    from app.dashboards import registry
    from app.live.topics import DashboardKey, in_language
    from app.web.helpers import dom_id

    recompute = recomputing.recompute
    monkeypatch.setattr(recomputing, "PUSH_WITHIN", 60)  # what "milliseconds" means must not hang on a busy machine
    w = factory.world()
    key = DashboardKey("org", w.org.id)
    primary, *others = registry.sections("org")
    assert primary.primary and not any(s.primary for s in others)
    mark_watched([key], redis_conn)
    recompute(key)  # the first run: no times yet, a push per section
    assert len(dashboard_pushes(relay, key)[str(key)]) == 1 + len(others)
    with counting(db.engine) as english_only:
        recompute(key)
    assert english_only["redis"] == 3
    mark_watched([in_language(key, "de")], redis_conn)
    dashboard_pushes(relay, key)
    with counting(db.engine) as two_languages:
        recompute(key)
    assert two_languages["redis"] == 3
    pushed = dashboard_pushes(relay, key, ("en", "de"))
    for topic, (first, rest) in pushed.items():
        assert f'target="{dom_id(key, primary.name)}"' in first and first.count('action="replace"') == 2, topic
        assert all(f'target="{dom_id(key, s.name)}"' in rest for s in others), topic
        assert rest.count('action="replace"') == len(others) + 2, topic  # the sections, progress, the alert cleared
    assert "aktualisiert" in pushed[in_language(key, "de")][1] and "aktualisiert" not in pushed[str(key)][1]


def test_a_dashboard_whose_sections_take_longer_streams_them_one_by_one(app, db, factory, redis_conn, relay,
                                                                      monkeypatch):
    """Sections not expected within PUSH_WITHIN of one another each go as soon as they are ready: one Redis round trip
    per section (its cache entry, its stream, the next presence question) plus the first."""
    from app.dashboards import recompute as recomputing
    from app.dashboards import registry
    from app.live.topics import DashboardKey

    monkeypatch.setattr(recomputing, "PUSH_WITHIN", 0)
    w = factory.world()
    key = DashboardKey("org", w.org.id)
    sections = registry.sections("org")
    mark_watched([key], redis_conn)
    recomputing.recompute(key)
    dashboard_pushes(relay, key)
    with counting(db.engine) as counts:
        recomputing.recompute(key)
    assert counts["redis"] == 1 + len(sections)
    streams = dashboard_pushes(relay, key)[str(key)]
    assert [s.count('action="replace"') for s in streams] == [2] * (len(sections) - 1) + [3]  # + progress; + alert


def test_a_page_opened_in_another_language_while_sections_were_computed_is_sent_them(app, db, factory, redis_conn,
                                                                                   relay, monkeypatch):
    """A push renders for the languages the previous round trip found; the answer that comes back with it names a
    German page opened meanwhile (it read the cache before these sections were in it): the push goes to it too."""
    from app.dashboards import recompute as recomputing
    from app.dashboards import registry
    from app.live.topics import DashboardKey, in_language
    from app.web.helpers import dom_id

    monkeypatch.setattr(recomputing, "PUSH_WITHIN", 60)
    w = factory.world()
    key = DashboardKey("org", w.org.id)
    primary, *others = registry.sections("org")
    mark_watched([key], redis_conn)
    recomputing.recompute(key)  # the sections' times, so that the others go in one push
    report_progress = recomputing.report_progress

    def german_page_opens_after_the_primary_push(percent):
        mark_watched([in_language(key, "de")], redis_conn)
        report_progress(percent)

    monkeypatch.setattr(recomputing, "report_progress", german_page_opens_after_the_primary_push)
    dashboard_pushes(relay, key)
    recomputing.recompute(key)
    german = dashboard_pushes(relay, key, ("de",))[in_language(key, "de")]
    assert german and all(f'target="{dom_id(key, s.name)}"' in german[-1] for s in others)
    assert "aktualisiert" in german[-1]


def test_a_section_that_cannot_be_rendered_fails_the_job_and_the_page_says_so(app, db, factory, redis_conn, relay,
                                                                             monkeypatch):
    from app.dashboards import cache, registry
    from app.dashboards import recompute as recomputing
    from app.live.topics import DashboardKey

    w = factory.world()
    key = DashboardKey("org", w.org.id)
    broken = registry.sections("org")[2].name
    part_stream = recomputing.part_stream

    def failing(key, part, **context):
        if getattr(part, "name", None) == broken:
            raise ValueError("a partial that cannot render")
        return part_stream(key, part, **context)

    monkeypatch.setattr(recomputing, "part_stream", failing)
    mark_watched([key], redis_conn)
    with pytest.raises(ValueError):
        recomputing.recompute(key)
    assert cache.failure(key) == recomputing.FAILED
    streams = "".join(dashboard_pushes(relay, key)[str(key)])
    assert "could not be computed" in streams
