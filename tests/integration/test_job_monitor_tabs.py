"""/jobs puts the job list first; queues, workers, recurring entries and per-organization figures are tabs of their
own (/jobs/queues, /jobs/workers, /jobs/recurring, /jobs/organizations), each live and each asking the policy.
Rows read in plain words: a kind's label or the report's period, when a delayed job runs, attempts after a manual
retry."""
from __future__ import annotations

import re
from html import unescape

import pytest
from rq import Queue

from app.background.enqueue import enqueue
from app.models import JobStatus
from app.reports.params import ReportParams
from app.reports.runs import create_report
from tests.conftest import login
from tests.jobrows import job_rows

TABS = {"/jobs/queues": 'data-testid="queue-table"', "/jobs/workers": 'id="workers-title"',
        "/jobs/recurring": 'data-testid="recurring-table"', "/jobs/organizations": 'id="costs-title"'}


@pytest.fixture()
def world(factory):
    return factory.world()


def visible_text(html: str) -> str:
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def tab_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="tabs".*?</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', nav[0]) if nav else []


def test_the_job_list_comes_first_and_the_rest_lives_in_tabs(client, db, world):
    job_rows(db, 3)
    login(client, world.sysadmin)
    html = client.get("/jobs").get_data(as_text=True)
    assert html.index('id="job-list-title"') < html.index('data-testid="job-row"') < html.index('id="throughput-title"')
    for marker in TABS.values():
        assert f'data-testid="{marker}"' not in html  # moved to their tabs
    assert tab_links(html) == ["/jobs", "/jobs/failures", "/jobs/queues", "/jobs/latency", "/jobs/workers",
                               "/jobs/recurring", "/jobs/organizations"]
    for url, marker in TABS.items():
        page = client.get(url).get_data(as_text=True)
        assert marker in page, url
        assert '<meta name="turbo-refresh-method" content="morph">' in page  # refreshed live, as /jobs
        assert "jobs:all" in unescape(page), url  # listening on the viewer's job topics
        assert 'aria-current="page"' in page and tab_links(page) == tab_links(html)


def test_each_tab_asks_the_policy(client, world):
    login(client, world.owner)
    html = client.get("/jobs").get_data(as_text=True)
    assert tab_links(html) == ["/jobs", "/jobs/failures", "/jobs/organizations"]
    for url in ("/jobs/queues", "/jobs/latency", "/jobs/workers", "/jobs/recurring"):
        assert client.get(url).status_code == 403
    page = client.get("/jobs/organizations").get_data(as_text=True)
    assert f"jobs:org:{world.org.id}" in unescape(page) and "jobs:all" not in unescape(page)
    client.post("/logout")
    login(client, world.member)
    assert tab_links(client.get("/jobs").get_data(as_text=True)) == []  # only their own jobs: no tabs
    for url in TABS:
        assert client.get(url).status_code == 403
    client.post("/logout")
    for url in TABS:
        assert client.get(url).status_code == 302  # to the sign-in page


def test_a_delayed_job_shows_when_it_will_run(client, world):
    status = enqueue("echo", "later", user_id=world.member.id, delay=600)
    login(client, world.member)
    row = re.search(rf'<tr id="job-{status.rq_job_id}".*?</tr>', client.get("/jobs").get_data(as_text=True), re.S)[0]
    when = re.search(r'data-testid="job-runs-at">runs at <time datetime="([^"]+)">', row)
    assert when, row
    planned = status.enqueued_at.replace(microsecond=0).isoformat()
    assert when[1][:16] > planned[:16]  # about ten minutes after it was enqueued
    detail = client.get(f"/jobs/{status.rq_job_id}").get_data(as_text=True)
    assert 'data-testid="job-runs-at"' in detail


def test_attempts_read_right_after_a_manual_retry(client, world, db, redis_conn, run_jobs):
    job = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "fail", "x",
                                                           meta={"user_id": world.member.id})
    run_jobs()
    login(client, world.member)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert re.search(r'data-testid="job-attempts">attempt 1 of 3<', html)  # RQ ran it once: no retry policy
    assert client.post(f"/jobs/{job.id}/retry").status_code == 303
    assert "attempt 1 of 3, retried by hand: waiting" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    run_jobs()
    db.session.expire_all()
    assert db.session.scalar(db.select(JobStatus.attempts).where(JobStatus.rq_job_id == job.id)) == 2
    for page in (client.get(f"/jobs/{job.id}"), client.get("/jobs")):
        text = page.get_data(as_text=True)
        assert "attempt 2 (1 automatic + 1 manual retry)" in text and "2/3" not in text and "2 of 3" not in text


def test_members_read_plain_words_never_internal_kind_names(client, world, db):
    params = ReportParams(organization_id=world.org.id, range="custom", date_from="2026-03-01",
                          date_to="2026-03-31", format="csv")
    report = create_report(world.member, params)
    enqueue("send_email", "x", user_id=world.member.id)
    login(client, world.member)
    html = client.get("/jobs").get_data(as_text=True)
    text = visible_text(html)
    assert "Report for March 2026" in text and "Send e-mail" in text
    assert "report_generation" not in text and "send_email" not in text
    detail = visible_text(client.get(f"/jobs/{report.rq_job_id}").get_data(as_text=True))
    assert "Report for March 2026" in detail and "report_generation" not in detail


def test_an_owner_reads_their_dashboards_sections_without_the_platform_wide_compute_times(client, world, redis_conn):
    """Compute times are kept per dashboard kind over every organization: a system admin reads them; an owner reads
    only how many of their organization's sections are cached and fresh."""
    from app.dashboards import cache, section_stats
    from app.live.topics import DashboardKey

    pipe = redis_conn.pipeline()
    section_stats.record("org", {"org_summary": 40.0}, pipe)
    pipe.execute()
    cache.store(DashboardKey("org", world.org.id), "org_summary", {"x": 1})
    cache.store(DashboardKey("org", world.other_org.id), "org_summary", {"x": 2})
    login(client, world.sysadmin)
    row = re.search(r'<tr data-section="org:org_summary">.*?</tr>',
                    client.get("/jobs/organizations").get_data(as_text=True), re.S)[0]
    assert "40.0 / 40.0 ms" in row and re.findall(r'<td class="num">(\d+)</td>', row) == ["2", "2"]
    client.post("/logout")
    login(client, world.owner)
    row = re.search(r'<tr data-section="org:org_summary">.*?</tr>',
                    client.get("/jobs/organizations").get_data(as_text=True), re.S)[0]
    assert " ms" not in row and "runs" not in row  # the other organization's runs are not theirs to read
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "1"]
