"""In Chromium (issue 17): what a person sees when a report cannot start. A custom range reaching into year 9999
answers with the form again, the message under the date; a report started over the rate limit (here 2 a minute,
counted across asking, running again and saved reports) leaves them where they were, saying why. Screenshots in
test-artifacts/."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.models import Report
from tests import report_data
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def _reports(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Report))


def test_a_range_into_year_9999_is_refused_under_the_date(start_web, factory, db, page):
    base = start_web()
    w = report_data.build(factory, db)
    sign_in(page, base, w.owner.email)
    page.goto(f"{base}/reports")
    page.select_option("#range", "custom")
    page.fill("#date_from", "9998-12-01")
    page.fill("#date_to", "9999-12-31")
    page.get_by_role("button", name="Create report").click()
    to_field = page.locator(".field", has=page.locator("#date_to"))
    expect(to_field.get_by_role("alert")).to_have_text("Give a date from 1900-01-01 to 9998-12-31.")
    expect(page.locator(".field", has=page.locator("#date_from")).get_by_role("alert")).to_have_count(0)
    expect(page.locator("#date_to")).to_have_value("9999-12-31")  # what they typed stays, to correct it
    assert page.url.endswith("/reports")
    screenshot(page, "report-date-out-of-range")
    assert _reports(db) == 0


def test_a_report_over_the_rate_limit_leaves_the_person_where_they_were_with_why(start_web, start_workers, factory,
                                                                                 db, page):
    base = start_web(REPORTS_RATE_LIMIT="2 per minute")
    start_workers()
    w = report_data.build(factory, db)
    sign_in(page, base, w.owner.email)
    page.goto(f"{base}/reports")
    page.get_by_role("button", name="Create report").click()
    page.wait_for_url(lambda url: "/reports/" in url)
    first = page.url
    expect(page.get_by_test_id("report-status")).to_have_attribute("data-status", "completed", timeout=60000)
    page.get_by_role("button", name="Run again").click()  # the second start, another way
    page.wait_for_url(lambda url: "/reports/" in url and url != first)
    second = page.url
    expect(page.get_by_test_id("report-status")).to_have_attribute("data-status", "completed", timeout=60000)
    page.get_by_role("button", name="Run again").click()  # the third: refused
    expect(page.get_by_role("alert").filter(has_text="Too many reports started at once")).to_be_visible()
    assert page.url == second  # still on the report they were looking at
    screenshot(page, "report-rate-limited")
    page.goto(f"{base}/reports")
    page.get_by_role("button", name="Create report").click()  # asking anew counts the same
    expect(page.get_by_role("alert").filter(has_text="Wait a minute and try again.")).to_be_visible()
    assert page.url.endswith("/reports")
    assert _reports(db) == 2
