"""Time to start: a job waiting in its queue shows "starts in about N min, M ahead" from its place in the real RQ
queue and the queue's throughput over the last ten minutes; the figure follows the queue as it drains, and a
delayed, running or finished job shows none."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from rq import Queue

from app.background.enqueue import enqueue
from app.background.eta import Eta
from tests.conftest import login
from tests.jobrows import job_rows


@pytest.fixture()
def world(factory):
    return factory.world()


def eta_of(html: str, job_id: str) -> str | None:
    row = re.search(rf'<tr id="job-{job_id}".*?</tr>', html, re.S)
    found = re.search(r'data-testid="job-eta">([^<]+)<', row[0]) if row else None
    return found[1] if found else None


def test_a_queued_job_shows_when_it_starts_and_how_many_are_ahead(client, db, world, redis_conn):
    job_rows(db, 20, kind="echo", status="completed", age=timedelta(minutes=3))  # 2 a minute on `default`
    job_rows(db, 50, kind="echo", status="completed", age=timedelta(minutes=30))  # too long ago to count
    ahead = [enqueue("echo", str(i)) for i in range(14)]
    mine = enqueue("echo", "mine", user_id=world.member.id)
    login(client, world.member)
    html = client.get("/jobs").get_data(as_text=True)
    assert eta_of(html, mine.rq_job_id) == "starts in about 7 min, 14 ahead"  # 14 jobs at 2 a minute
    detail = client.get(f"/jobs/{mine.rq_job_id}").get_data(as_text=True)
    assert 'data-testid="job-eta">starts in about 7 min, 14 ahead<' in detail

    queue = Queue("default", connection=redis_conn)
    for status in ahead[:10]:  # taken by workers
        queue.remove(status.rq_job_id)
    html = client.get("/jobs").get_data(as_text=True)
    assert eta_of(html, mine.rq_job_id) == "starts in about 2 min, 4 ahead"
    for status in ahead[10:]:
        queue.remove(status.rq_job_id)
    assert eta_of(client.get("/jobs").get_data(as_text=True), mine.rq_job_id) == "next in line"


def test_no_estimate_for_delayed_running_or_finished_jobs(client, db, world):
    delayed = enqueue("echo", "later", user_id=world.member.id, delay=600)
    done = job_rows(db, 1, status="completed", user_id=world.member.id)[0]
    login(client, world.member)
    html = client.get("/jobs").get_data(as_text=True)
    assert eta_of(html, delayed.rq_job_id) is None and 'data-testid="job-runs-at"' in html
    assert eta_of(html, done) is None


def test_a_queue_with_nothing_finished_lately_shows_only_the_count_ahead(client, world):
    for i in range(3):
        enqueue("echo", str(i))
    mine = enqueue("echo", "mine", user_id=world.member.id)
    login(client, world.member)
    assert eta_of(client.get("/jobs").get_data(as_text=True), mine.rq_job_id) == "3 ahead"


def test_a_job_in_a_paused_queue_says_so_instead_of_a_time(client, world, redis_conn):
    from app.background import pause

    for i in range(2):
        enqueue("echo", str(i))
    mine = enqueue("echo", "mine", user_id=world.member.id)
    pause.pause("default", redis_conn)
    login(client, world.member)
    assert eta_of(client.get("/jobs").get_data(as_text=True), mine.rq_job_id) == "its queue is paused, 2 ahead"
    pause.resume("default", redis_conn)
    assert eta_of(client.get("/jobs").get_data(as_text=True), mine.rq_job_id) == "2 ahead"


@pytest.mark.parametrize("ahead, seconds, text", [
    (0, 0, "next in line"), (5, 20, "starts in under a minute, 5 ahead"), (14, 420, "starts in about 7 min, 14 ahead"),
    (2000, 4 * 3600, "starts in about 4 h, 2,000 ahead"), (3, None, "3 ahead"),
])
def test_the_wording(ahead, seconds, text):
    assert str(Eta(ahead, seconds)) == text
    paused = str(Eta(ahead, seconds, paused=True))
    ahead_words = text.rsplit(", ", 1)[-1]
    assert paused == (f"its queue is paused, {ahead_words}" if ahead else "next in line, its queue is paused")


def test_the_streamed_row_carries_the_estimate_outside_any_request(db, world):
    """What tracking.broadcast_job renders (the streaming context, as in a worker) has the figure too."""
    from app.live.streams import render_stream

    job_rows(db, 10, kind="echo", status="completed", age=timedelta(minutes=1))  # 1 a minute
    for i in range(3):
        enqueue("echo", str(i))
    mine = enqueue("echo", "mine", user_id=world.member.id)
    html = render_stream("replace", f"job-{mine.rq_job_id}", "job_monitor/_job_row.html", job=mine)
    assert eta_of(html, mine.rq_job_id) == "starts in about 3 min, 3 ahead"


def test_the_figure_is_read_again_by_its_frame_as_the_queue_moves_and_only_by_who_may_see_the_job(client, db, world,
                                                                                                   redis_conn):
    """The jobs ahead are other people's: their changes never stream to this person's page, so the job's page asks
    /jobs/<id>/eta every few seconds (reload_controller.js)."""
    job_rows(db, 20, kind="echo", status="completed", age=timedelta(minutes=3))  # 2 a minute
    ahead = [enqueue("echo", str(i)) for i in range(4)]
    mine = enqueue("echo", "mine", user_id=world.member.id)
    login(client, world.member)
    page = client.get(f"/jobs/{mine.rq_job_id}").get_data(as_text=True)
    assert f'data-reload-url-value="/jobs/{mine.rq_job_id}/eta"' in page
    assert 'data-testid="job-eta">starts in about 2 min, 4 ahead<' in page

    Queue("default", connection=redis_conn).remove(ahead[0].rq_job_id)  # someone else's job, taken by a worker
    answer = client.get(f"/jobs/{mine.rq_job_id}/eta").get_data(as_text=True)
    frame = f"job-{mine.rq_job_id}-eta"
    assert f'<turbo-frame id="{frame}" data-testid="job-eta">starts in about 2 min, 3 ahead</turbo-frame>' in answer
    assert "data-controller" not in answer  # the answer is the figure, not another timer
    for status in ahead[1:]:
        Queue("default", connection=redis_conn).remove(status.rq_job_id)
    assert ">next in line<" in client.get(f"/jobs/{mine.rq_job_id}/eta").get_data(as_text=True)

    client.post("/logout")
    login(client, world.outsider)
    assert client.get(f"/jobs/{mine.rq_job_id}/eta").status_code == 404
