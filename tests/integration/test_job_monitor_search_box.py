"""/jobs?q=: one search box that reads its text as an id (ours, RQ's, a 6+ hex prefix, a request id), an e-mail
(the requester), a kind, a queue or words of an error message; it combines with the other filters, never widens
who sees what, and a job's whole id opens that job."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest

from app.models import JobStatus
from tests.conftest import login
from tests.jobrows import job_rows


def rows(html: str) -> set[str]:
    return set(re.findall(r'<tr id="job-([0-9a-f]+)" data-testid="job-row"', html))


@pytest.fixture()
def world(factory):
    return factory.world()


def box(client, q: str, extra: str = "") -> set[str]:
    response = client.get(f"/jobs?{urlencode({'q': q})}&{extra}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return rows(response.get_data(as_text=True))


def test_the_box_reads_ids_emails_kinds_queues_and_error_words(client, db, world):
    org = world.org.id
    smtp = job_rows(db, 2, kind="send_email", error="SMTP connection timeout after 30 s", user_id=world.owner.id,
                    organization_id=org)
    disk = job_rows(db, 1, kind="cleanup", error="No space left on device", request_id="req-0123abcd")
    report = job_rows(db, 1, kind="report_generation", error="query canceled", organization_id=org)
    echo = job_rows(db, 1, status="completed", user_id=world.outsider.id)
    login(client, world.sysadmin)
    assert box(client, disk[0][:8]) == set(disk)  # an RQ id's first characters, as the rows show them
    assert box(client, disk[0][:6].upper()) == set(disk)  # any case
    number = db.session.scalar(db.select(JobStatus.id).where(JobStatus.rq_job_id == report[0]))
    assert report[0] in box(client, str(number))  # our number
    assert box(client, "req-0123abcd") == set(disk)  # the request that enqueued it
    assert box(client, "OWNER@acme.test") == set(smtp)  # the requester's e-mail, any case
    assert box(client, "outsider@other.test") == set(echo)
    assert box(client, "cleanup") == set(disk)  # a kind's name
    assert box(client, "report") == set(report)  # words of a kind's label ("Report generation")
    assert box(client, "mail") == set(smtp)  # a queue
    assert box(client, "timeout smtp") == set(smtp)  # words of the error, in any order
    assert box(client, "space device") == set(disk)
    assert box(client, "100%") == set()  # LIKE wildcards are searched literally
    assert box(client, "nothing like this") == set()


def test_the_box_combines_with_the_other_filters(client, db, world):
    failed = job_rows(db, 2, kind="send_email", error="mailbox unavailable", organization_id=world.org.id)
    job_rows(db, 1, kind="send_email", error="mailbox unavailable", organization_id=world.other_org.id)
    job_rows(db, 1, kind="send_email", status="completed", organization_id=world.org.id)
    login(client, world.sysadmin)
    assert box(client, "mailbox", f"organization={world.org.id}") == set(failed)
    assert box(client, "send_email", f"status=failed&organization={world.org.id}") == set(failed)
    page = client.get(f"/jobs?q=mailbox&organization={world.org.id}").get_data(as_text=True)
    assert "2 jobs found" in page and 'value="mailbox"' in page
    assert re.search(r'href="/jobs/bulk\?[^"]*q=mailbox', unescape(page).replace("&amp;", "&"))  # bulk keeps it


def counts(html: str) -> dict[str, tuple[int, str]]:
    """The status boxes above the list: status -> (count, where its link leads)."""
    return {status: (int(count), unescape(href)) for href, status, count in re.findall(
        r'<a class="metric" href="([^"]*)"[^>]*data-status="(\w+)">\s*<span class="metric-value">(\d+)</span>', html)}


def test_the_status_counts_count_what_the_search_found_and_their_links_keep_it(client, db, world):
    job_rows(db, 2, kind="send_email", error="mailbox unavailable", organization_id=world.org.id)
    job_rows(db, 1, kind="send_email", status="completed", error=None, organization_id=world.org.id)
    job_rows(db, 1, kind="send_email", error="mailbox unavailable", organization_id=world.other_org.id)
    job_rows(db, 3, kind="cleanup", error="disk full")
    login(client, world.sysadmin)
    everything = counts(client.get("/jobs").get_data(as_text=True))
    assert everything["failed"][0] == 6 and everything["completed"][0] == 1
    found = counts(client.get(f"/jobs?q=send_email&organization={world.org.id}").get_data(as_text=True))
    assert found["failed"][0] == 2 and found["completed"][0] == 1 and found["pending"][0] == 0
    assert found["completed"][1] == f"/jobs?status=completed&q=send_email&organization={world.org.id}"
    # a status chosen narrows the list, not the counts: the other statuses stay one click away
    chosen = client.get(f"/jobs?q=send_email&organization={world.org.id}&status=completed").get_data(as_text=True)
    assert counts(chosen)["failed"][0] == 2 and len(rows(chosen)) == 1
    assert re.search(r'aria-current="true" data-status="completed"', chosen)


def test_a_whole_id_opens_the_job_and_never_anyone_elses(client, db, world):
    ours = job_rows(db, 1, organization_id=world.org.id, error="kaput")
    theirs = job_rows(db, 1, organization_id=world.other_org.id)
    login(client, world.owner)
    response = client.get("/jobs", query_string={"q": ours[0]})
    assert response.status_code in (302, 303) and response.headers["Location"].endswith(f"/jobs/{ours[0]}")
    assert box(client, theirs[0]) == set()  # another organization's job is not found, let alone opened
    response = client.get("/jobs", query_string={"q": ours[0], "status": "completed"})
    assert response.status_code == 200 and rows(response.get_data(as_text=True)) == set()  # filters still apply


def test_a_search_never_widens_what_a_member_sees(client, db, world):
    job_rows(db, 1, organization_id=world.org.id, error="secret failure")
    mine = job_rows(db, 1, user_id=world.member.id, error="my failure")
    login(client, world.member)
    assert box(client, "failure") == set(mine)
    assert box(client, world.owner.email) == set()


def test_a_too_long_search_says_so(client, world):
    login(client, world.sysadmin)
    response = client.get("/jobs", query_string={"q": "x" * 201})
    assert response.status_code == 422 and "Search is limited to 200 characters" in response.get_data(as_text=True)


def test_a_kind_is_found_by_the_words_its_title_shows_in_any_language_the_same_for_every_reader(client, db, world):
    report = job_rows(db, 1, kind="report_generation", error="query canceled")
    job_rows(db, 1, kind="cleanup", error="disk full")
    world.sysadmin.language = "de"
    db.session.commit()
    login(client, world.sysadmin)
    assert "Berichtserstellung" in client.get(f"/jobs/{report[0]}").get_data(as_text=True)  # its title, in German
    assert box(client, "bericht") == set(report)
    assert box(client, "report") == set(report)  # the English label still finds it
    world.sysadmin.language = "en"
    db.session.commit()
    assert box(client, "bericht") == set(report)  # a link shared by a German reader finds the same jobs
