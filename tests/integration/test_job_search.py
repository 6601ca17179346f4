"""/jobs search: by id (ours, RQ's, its prefix, the request's), kind, queue, status, organization, requester, text
in arguments or error, age; the filters live in the URL and survive paging; bad values give a 422 notice.
Who sees what: system admins everything; an organization's owners and admins its jobs; 404 for anyone else's."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from app.live.topics import JobsTopic, can_receive, parse
from app.models import JobStatus
from tests.conftest import login
from tests.jobrows import job_rows


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="job-([0-9a-f]+)" data-testid="job-row"', html)


@pytest.fixture()
def world(factory):
    return factory.world()


def search(client, query: str) -> set[str]:
    response = client.get(f"/jobs?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return set(rows(response.get_data(as_text=True)))


def test_each_filter_finds_exactly_its_jobs(client, db, world):
    org, other = world.org.id, world.other_org.id
    timeout = job_rows(db, 2, error="Connection timeout talking to SMTP", organization_id=org, user_id=world.owner.id)
    done = job_rows(db, 1, status="completed", args=("quarterly-report",), organization_id=org)
    old = job_rows(db, 1, kind="cleanup", age=timedelta(days=10), error="disk full")
    theirs = job_rows(db, 1, kind="send_email", organization_id=other, user_id=world.outsider.id,
                      error="mailbox unavailable", request_id="req-abcdef12")
    login(client, world.sysadmin)
    assert search(client, "kind=cleanup") == set(old)
    assert search(client, "queue=mail") == set(theirs)
    assert search(client, "status=completed") == set(done)
    assert search(client, f"organization={org}") == set(timeout + done)
    assert search(client, f"requester={world.owner.id}") == set(timeout)
    assert search(client, "requester=OUTSIDER@other.test") == set(theirs)  # by e-mail, any case
    assert search(client, "text=TIMEOUT") == set(timeout)  # in the error, any case
    assert search(client, "text=quarterly") == set(done)  # in the arguments
    assert search(client, "text=100%25") == set()  # LIKE wildcards are searched literally
    assert search(client, "older_than=7") == set(old)
    assert search(client, f"id={theirs[0]}") == set(theirs)  # RQ id
    assert search(client, f"id={theirs[0][:8]}") == set(theirs)  # its first characters, as the rows show them
    number = db.session.scalar(db.select(JobStatus.id).where(JobStatus.rq_job_id == old[0]))
    assert search(client, f"id={number}") == set(old)  # our number
    assert search(client, "id=req-abcdef12") == set(theirs)  # the request that enqueued it
    assert search(client, f"status=failed&organization={org}&text=smtp") == set(timeout)  # combined


def test_filters_stay_in_the_url_across_pages(client, db, world):
    ids = job_rows(db, 30, error="flaky upstream")
    job_rows(db, 5, error="something else")
    login(client, world.sysadmin)
    first = client.get("/jobs?text=flaky").get_data(as_text=True)
    assert "30 jobs found" in first
    assert re.search(r'href="/jobs\?page=2&amp;text=flaky"|href="/jobs\?text=flaky&amp;page=2"', first)
    second = rows(client.get("/jobs?text=flaky&page=2").get_data(as_text=True))
    assert len(rows(first)) == 25 and len(second) == 5 and set(rows(first) + second) == set(ids)


@pytest.mark.parametrize("query, message", [
    ("organization=acme", "Organization must be an organization's number"),
    ("requester=nobody", "Requester must be a user's number or e-mail address"),
    ("older_than=0", "Older than takes a number of days from 1 to 3650"),
    ("older_than=lots", "Older than takes a number of days"),
    ("text=" + "x" * 201, "Search text is limited to 200 characters"),
    ("id=a%20b%3Cscript%3E", "A job id is an RQ job id, a job number or a request id"),
])
def test_bad_filter_values_say_what_is_wrong(client, world, query, message):
    login(client, world.sysadmin)
    response = client.get(f"/jobs?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in unescape(html) and "<script>" not in html


def test_an_owner_sees_their_organizations_jobs_and_nothing_else(client, db, world):
    ours = job_rows(db, 2, organization_id=world.org.id)
    mine = job_rows(db, 1, user_id=world.owner.id)
    theirs = job_rows(db, 1, organization_id=world.other_org.id)
    platform = job_rows(db, 1, kind="cleanup")
    for role in ("owner", "admin"):
        login(client, getattr(world, role))
        expected = set(ours + (mine if role == "owner" else []))
        assert search(client, "") == expected
        assert search(client, f"organization={world.other_org.id}") == set()  # a filter never widens the scope
        assert client.get(f"/jobs/{ours[0]}").status_code == 200
        for hidden in theirs + platform:
            assert client.get(f"/jobs/{hidden}").status_code == 404
            assert client.post(f"/jobs/{hidden}/retry").status_code == 404
        client.post("/logout")


def test_a_member_does_not_see_their_organizations_jobs(client, db, world):
    ours = job_rows(db, 1, organization_id=world.org.id)
    login(client, world.member)
    assert search(client, "") == set()
    assert client.get(f"/jobs/{ours[0]}").status_code == 404


def test_a_system_admin_sees_every_job(client, db, world):
    every = job_rows(db, 1, organization_id=world.org.id) + job_rows(db, 1, organization_id=world.other_org.id) \
        + job_rows(db, 1)
    login(client, world.sysadmin)
    assert search(client, "") == set(every)
    assert all(client.get(f"/jobs/{job_id}").status_code == 200 for job_id in every)


def test_organization_job_topics_follow_the_policy(db, world):
    topic = JobsTopic(organization_id=world.org.id)
    assert str(topic) == f"jobs:org:{world.org.id}" and parse(str(topic)) == topic
    assert can_receive(world.owner, str(topic)) and can_receive(world.admin, str(topic))
    assert can_receive(world.sysadmin, str(topic))
    assert not can_receive(world.member, str(topic)) and not can_receive(world.outsider, str(topic))


def test_a_dashboard_job_names_its_organization_and_shows_up_for_its_owner(client, db, world):
    from app.dashboards.recompute import recompute_later
    from app.live.topics import DashboardKey
    recompute_later([DashboardKey("team", world.alpha.id)], requester=world.manager.id)
    job = db.session.scalar(db.select(JobStatus))
    assert job.organization_id == world.org.id
    login(client, world.owner)
    assert search(client, "kind=dashboard_data") == {job.rq_job_id}
