"""Per organization and per dashboard section on /jobs: job time and failures per organization over the last day,
each section's compute time p50/p95 and freshness; a dashboard tile names the job that computed it, when and how
long it took, with a link to that job."""
from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

from app.dashboards import cache
from app.dashboards.recompute import recompute_later
from app.live.topics import DashboardKey
from app.models import JobStatus
from tests.conftest import login
from tests.jobrows import job_rows


def test_a_tile_names_the_job_that_computed_it_and_jobs_shows_section_figures(client, factory, db, watch, run_jobs):
    w = factory.world()
    org_id, owner_email, admin_email = w.org.id, w.owner.email, w.sysadmin.email
    key = DashboardKey("org", org_id)
    watch(str(key))
    recompute_later([key])
    run_jobs(["dashboard"])  # in this process: it closes the session the world lives in
    job_id = db.session.scalar(db.select(JobStatus.rq_job_id))
    summary = cache.load(key, ["org_summary"])["org_summary"]
    assert summary.meta["job_id"] == job_id and summary.meta["ms"] >= 0
    login(client, SimpleNamespace(email=owner_email))
    page = client.get(f"/dashboard/org/{org_id}").get_data(as_text=True)
    link = re.search(r'<a class="section-job muted operator-only" data-testid="section-job" href="([^"]+)"', page)
    assert link and link[1] == f"/jobs/{job_id}"
    assert client.get(link[1]).status_code == 200  # the owner may open it: the job is their organization's
    html = client.get("/jobs/organizations").get_data(as_text=True)
    stats = re.search(r'<tr data-section="org:org_summary">(.*?)</tr>', html, re.S)[1]
    assert re.findall(r'<td class="num">(\d+)</td>', stats)[:2] == ["1", "1"]  # one cached, and fresh
    assert " ms" not in stats  # compute times are kept across every organization: a system admin's to read
    client.post("/logout")
    login(client, SimpleNamespace(email=admin_email))
    html = client.get("/jobs/organizations").get_data(as_text=True)
    stats = re.search(r'<tr data-section="org:org_summary">(.*?)</tr>', html, re.S)[1]
    assert re.search(r"[\d.]+ / [\d.]+ ms <span class=\"muted\">\(1 runs\)", stats)


def test_job_time_and_failures_per_organization_for_the_last_day(client, factory, db):
    w = factory.world()
    job_rows(db, 4, status="completed", organization_id=w.org.id)  # 0.5 s each
    job_rows(db, 2, status="failed", organization_id=w.org.id)
    job_rows(db, 3, status="failed", organization_id=w.other_org.id)
    job_rows(db, 9, status="completed", organization_id=w.org.id, age=timedelta(days=2))  # too old
    login(client, w.sysadmin)
    html = client.get("/jobs/organizations").get_data(as_text=True)
    ours = re.search(rf'<tr data-organization="{w.org.id}">(.*?)</tr>', html, re.S)[1]
    assert re.findall(r'<td class="num">([^<]+)</td>', ours) == ["6", "2", "3.0 s"]
    assert f'<tr data-organization="{w.other_org.id}">' in html
    client.post("/logout")
    login(client, w.owner)
    html = client.get("/jobs/organizations").get_data(as_text=True)
    assert f'<tr data-organization="{w.org.id}">' in html and f'data-organization="{w.other_org.id}"' not in html
    client.post("/logout")
    login(client, w.member)
    assert 'data-testid="org-costs"' not in client.get("/jobs").get_data(as_text=True)
    assert client.get("/jobs/organizations").status_code == 403


def test_each_queue_shows_done_failed_run_time_and_wait_over_the_last_hour_and_day(client, factory, db):
    admin = factory.user(None, email="root@platform.test", is_system_admin=True)
    job_rows(db, 4, status="completed")  # default queue, 5 minutes ago: 0.5 s run, 0.5 s wait
    job_rows(db, 2, status="failed", age=timedelta(hours=3))
    job_rows(db, 1, status="completed", age=timedelta(days=3))  # outside both windows
    login(client, admin)
    html = client.get("/jobs/queues").get_data(as_text=True)
    row = re.search(r'<tr data-queue="default".*?</tr>', html, re.S)[0]
    assert re.search(r'data-window="hour">4 / 0 / 0.50 s / 0.50 s<', row)
    assert re.search(r'data-window="day">6 / 2 / 0.50 s / 0.50 s<', row)
