"""In Chromium: the job monitor's one search box finds jobs by words of their error and opens a job by its id."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import settle_streams, sign_in
from tests.jobrows import job_rows

pytestmark = pytest.mark.e2e


def test_the_search_box_finds_by_error_words_and_opens_a_job_by_its_id(live_server, factory, db, page):
    admin = factory.user(None, Role.MEMBER, email="root@example.com", is_system_admin=True)
    timeouts = job_rows(db, 2, kind="send_email", error="SMTP connection timeout")
    others = job_rows(db, 3, kind="cleanup", error="No space left on device")
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/jobs")
    settle_streams(page)  # the page's socket catches up first (a refresh then would stop the search's visit)
    search = page.get_by_test_id("job-search-q")
    search.fill("timeout smtp")
    search.press("Enter")
    expect(page.get_by_test_id("job-row")).to_have_count(2)
    expect(page.locator("#job-list-title")).to_have_text("2 jobs found")
    for job_id in timeouts:
        expect(page.locator(f"#job-{job_id}")).to_contain_text("Send e-mail")  # its label, not send_email
        expect(page.locator(f"#job-{job_id} .job-args")).to_have_text("'x'")  # a system admin also sees its arguments
    expect(page.get_by_test_id("job-search-q")).to_have_value("timeout smtp")
    settle_streams(page)

    page.get_by_test_id("job-search-q").fill(others[1])
    page.get_by_test_id("job-search-q").press("Enter")
    expect(page).to_have_url(f"{live_server}/jobs/{others[1]}")
    expect(page.get_by_test_id("job-detail")).to_contain_text("No space left on device")
