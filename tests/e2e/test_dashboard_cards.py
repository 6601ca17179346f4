"""In Chromium: a dashboard section's "updated ..." ages while the page stays open, and the job that computed it
is named to system admins only (issue 19)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import settle_streams, sign_in

pytestmark = pytest.mark.e2e


def test_sections_age_while_open_and_name_their_job_to_system_admins_only(live_server, factory, browser, page):
    org = factory.organization(name="Acme")
    owner = factory.user(org, Role.OWNER, email="owner@example.com")
    factory.user(None, email="root@platform.test", is_system_admin=True)
    factory.time_log(owner, factory.project(org, name="Website"), minutes=30)

    page.clock.install()  # the page's own clock, so it can be moved on without waiting minutes
    sign_in(page, live_server, owner.email)
    page.goto(f"{live_server}/dashboard/org/{org.id}")
    section = page.get_by_test_id("dashboard-metrics")
    expect(section).to_be_visible(timeout=20000)
    # live, and settled: what the socket was sent on connecting and the page's catch-up with the cache (fetched once
    # the socket is live: on a loaded machine it lands later) have replaced the sections already, so the section
    # below is the one that ages (a replaced one says "just now" again)
    expect(page.get_by_test_id("stream-status")).to_have_text(re.compile(r"^live"), timeout=20000)
    settle_streams(page)
    age = section.locator(".section-age")
    expect(age).to_have_text("updated just now")
    expect(section.get_by_test_id("section-job")).to_be_hidden()  # an owner: no job ids on their dashboard

    page.clock.fast_forward("03:10")
    expect(age).to_have_text("updated 3 min ago")
    page.clock.fast_forward("02:00:00")
    expect(age).to_have_text("updated 2 h ago")

    admin = browser.new_context().new_page()
    sign_in(admin, live_server, "root@platform.test")
    admin.goto(f"{live_server}/dashboard/org/{org.id}")
    job = admin.get_by_test_id("dashboard-metrics").get_by_test_id("section-job")
    expect(job).to_be_visible(timeout=20000)
    expect(job).to_have_text(re.compile(r"by job [0-9a-f]{8} in \d+ ms"))
