"""In Chromium, the whole flow of a report seen on screen: the owner narrows the projects with the searchable list
(keyboard only), the report completes, its summary shows on the page with only the chosen project, its Detailed
and Weekly tabs show its entries, an entry edited from the Detailed tab lands back there as it is now; a share
link opens it in a fresh browser without signing in, and once revoked the link says so."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import report_data
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_filter_with_the_searchable_list_then_see_the_report_on_screen(live_server, factory, db, page):
    w = report_data.build(factory, db)
    sign_in(page, live_server, w.owner.email)
    page.goto(f"{live_server}/reports")
    projects = page.get_by_test_id("checklist-project_ids")
    search = projects.get_by_role("searchbox")
    expect(search).to_be_visible()  # shown by the controller: the list works without it
    search.fill("beta")
    expect(projects.get_by_role("checkbox", name="Beta app")).to_be_visible()
    expect(projects.get_by_role("checkbox", name="Alpha site")).to_be_hidden()
    expect(projects.get_by_role("checkbox", name="Internal")).to_be_hidden()
    search.press("Enter")  # the only match is ticked; the form is not submitted
    expect(projects.get_by_role("checkbox", name="Beta app")).to_be_checked()
    expect(projects).to_contain_text("(1 of 3 chosen)")
    assert page.url.endswith("/reports")
    search.fill("")
    search.press("ArrowDown")  # into the list, then tick a second one with the keyboard, and untick it
    page.keyboard.press("ArrowDown")
    expect(projects.get_by_role("checkbox", name="Beta app")).to_be_focused()
    screenshot(page, "report-form-checklist")
    page.select_option("#format", "csv")
    page.get_by_role("button", name="Create report").click()
    page.wait_for_url(lambda url: "/reports/" in url)
    expect(page.get_by_test_id("report-status")).to_have_attribute("data-status", "completed", timeout=60000)
    summary = page.get_by_test_id("report-summary")
    expect(summary).to_contain_text("Beta app")
    expect(summary).not_to_contain_text("Alpha site")
    screenshot(page, "report-on-screen")
    page.get_by_test_id("report-tab-detailed").click()
    expect(page.get_by_test_id("report-detailed")).to_contain_text("Beta app")
    expect(page.get_by_test_id("report-summary")).to_have_count(0)
    # the owner edits an entry from the report and lands back on the same page, showing the entry as it is now
    expect(page.get_by_test_id("detail-as-now")).to_contain_text("Entries as they are now")
    report_url = page.url
    page.get_by_test_id("detail-row").filter(has_text="Hotfix").get_by_test_id("detail-edit").click()
    page.get_by_label("Description").fill("Hotfix, reviewed")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/reports/\d+\?tab=detailed&page=1$"))
    assert page.url.split("?")[0] == report_url.split("?")[0]
    expect(page.get_by_text("Entry updated.")).to_be_visible()
    expect(page.get_by_test_id("detail-row").filter(has_text="Hotfix, reviewed")).to_have_count(1)
    page.get_by_test_id("report-tab-weekly").click()
    expect(page.get_by_test_id("report-weekly")).to_contain_text("People")
    page.get_by_test_id("report-tab-summary").click()
    expect(page.get_by_test_id("report-summary")).to_contain_text("Beta app")

    # a share link for 1 day, opened by someone not signed in, then revoked
    shares = page.get_by_test_id("report-shares")
    shares.get_by_label("Link works for").select_option("1")
    shares.get_by_role("button", name="Create share link").click()
    link = page.get_by_test_id("new-share-link-value")
    expect(link).to_have_value(re.compile(r"/shared/reports/[A-Za-z0-9_-]{40,}$"))
    url = link.input_value()
    expect(page.get_by_test_id("share-row")).to_have_count(1)
    stranger = page.context.browser.new_context()
    try:
        other = stranger.new_page()
        other.goto(url)
        expect(other.get_by_test_id("report-summary")).to_contain_text("Beta app")
        expect(other.get_by_role("navigation", name="Main")).to_have_count(0)
        expect(other.get_by_role("link", name=re.compile("Download"))).to_be_visible()
        screenshot(other, "report-shared")
        page.get_by_test_id("revoke-share").click()
        expect(page.get_by_text("Share link revoked")).to_be_visible()
        expect(page.get_by_test_id("share-row")).to_have_count(0)
        other.reload()
        expect(other.get_by_test_id("shared-gone")).to_contain_text("revoked")
        expect(other.get_by_test_id("report-summary")).to_have_count(0)
    finally:
        stranger.close()
