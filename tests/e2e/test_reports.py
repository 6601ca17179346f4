"""In Chromium: a manager asks for last month's hours by project as XLSX, watches the bar fill live, sees
the summary and the chart, downloads the file; the test opens it and checks its totals against the
database. Screenshots in test-artifacts/."""
from __future__ import annotations

from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import insert

from app.models import TimeLog
from tests import report_data
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

ROWS = 6_000


def test_a_manager_gets_last_months_hours_by_project_as_xlsx(live_server, factory, db, page, tmp_path):
    w = report_data.build(factory, db)
    start = w.start + timedelta(hours=2)
    db.session.execute(insert(TimeLog), [
        dict(organization_id=w.org.id, user_id=w.member.id, project_id=w.site.id,
             start_time=start + timedelta(minutes=2 * i), end_time=start + timedelta(minutes=2 * i + 1),
             duration_minutes=1, description=f"ticket {i}", billable=True) for i in range(ROWS)])
    db.session.commit()

    sign_in(page, live_server, w.manager.email)
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_test_id("report-form")).to_be_visible()
    expect(page.locator("#range")).to_have_value("last_month")
    page.select_option("#group1", "project")
    page.select_option("#format", "xlsx")
    screenshot(page, "report-form")
    page.get_by_role("button", name="Create report").click()
    page.wait_for_url(lambda url: "/reports/" in url)
    first_url = page.url
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)

    # every value the bar shows, as the streams replace it (recorded in the page: nothing is missed)
    page.evaluate("""() => {
      window.__seen = []
      const record = () => {
        const bar = document.querySelector('[data-testid="report-progress"]')
        if (bar) window.__seen.push(Number(bar.getAttribute("aria-valuenow")))
      }
      record()
      new MutationObserver(record).observe(document.body, {subtree: true, childList: true, attributes: true})
    }""")
    page.wait_for_function("() => window.__seen.some(v => v > 0 && v < 100)", timeout=60000)
    screenshot(page, "report-progress")
    status = page.get_by_test_id("report-status")
    expect(status).to_have_attribute("data-status", "completed", timeout=90000)
    seen = page.evaluate("window.__seen")
    assert any(0 < v < 100 for v in seen), f"the bar filled live: {seen}"
    expect(page.get_by_test_id("report-summary")).to_contain_text("Alpha site")
    expect(page.get_by_test_id("report-chart")).to_be_visible()
    screenshot(page, "report-done")

    with page.expect_download() as info:
        page.get_by_test_id("report-download").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".xlsx"
    wb = load_workbook(path)
    want = report_data.expected(db, w, user_ids={w.member.id, w.manager.id, w.former.id})
    total = next(r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] == "Total")
    assert round(total[1].total_seconds()) == want["seconds"] and total[2] == want["rows"]
    assert want["rows"] == ROWS + 6
    by_project = {r[0]: r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] in ("Alpha site",
                                                                                                   "Internal")}
    assert set(by_project) == {"Alpha site", "Internal"}  # the manager sees no Beta time
    assert ROWS + 6 == sum(r[2] for r in by_project.values())

    # save the parameters, then run the saved report again from /reports: a new report, the same figures
    page.fill("#definition-name", "Monthly by project")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("definition-range")).to_have_text("Last month")
    page.get_by_test_id("definition-row").get_by_role("button", name="Run").click()
    page.wait_for_url(lambda url: "/reports/" in url and url != first_url)
    expect(page.get_by_test_id("report-status")).to_have_attribute("data-status", "completed", timeout=90000)
    expect(page.get_by_test_id("summary-total")).to_contain_text(f"{want['rows']}")
    screenshot(page, "report-saved-run-again")
