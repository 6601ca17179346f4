"""In Chromium: an owner uploads a Toggl Track export, sees the dry run's plan come in, imports it, finds the
entries on /time-logs at the file's local times, and undoes the import."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

TOGGL = Path(__file__).resolve().parents[1] / "data" / "imports" / "toggl.csv"


def test_upload_a_toggl_export_see_the_plan_import_it_then_undo(live_server, factory, page):
    org = factory.organization(name="Acme", time_zone="Europe/Berlin")
    ada = factory.user(org, Role.OWNER, email="ada@example.com", name="Ada Lovelace", time_zone="Europe/Berlin")
    factory.user(org, Role.MEMBER, email="ben@example.com", name="Ben Okri")
    sign_in(page, live_server, ada.email)
    page.goto(f"{live_server}/organizations/{org.id}")
    page.get_by_test_id("imports-link").click()

    page.get_by_test_id("import-upload").click()  # no file: the form answers 422 with the error inline
    expect(page.locator(".field-error .error")).to_have_text("Choose a CSV file to upload.")
    page.get_by_test_id("import-file").set_input_files(str(TOGGL))
    page.get_by_test_id("import-upload").click()
    expect(page.get_by_test_id("import-counts")).to_contain_text("3 entries to create", timeout=20_000)
    expect(page.get_by_test_id("import-people")).to_contain_text("Ben Okri")
    expect(page.get_by_test_id("import-labels")).to_contain_text("Website")
    expect(page.get_by_test_id("stream-status")).to_have_text("live")

    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-message")).to_have_text("Imported 3 entries.", timeout=20_000)
    expect(page.get_by_test_id("import-undo")).to_be_visible()

    page.goto(f"{live_server}/time-logs")
    rows = page.get_by_test_id("time-log-row")
    expect(rows).to_have_count(2)  # Ada's own two (Ben's standup is his)
    mockups = rows.filter(has_text="Homepage mockups")
    expect(mockups).to_contain_text("09:00–10:30")  # the file's Berlin wall-clock times, shown in Ada's zone
    expect(mockups).to_contain_text("Website")
    expect(mockups.get_by_test_id("log-tag")).to_have_text(["client-work", "design"])
    expect(rows.filter(has_text="Reading, notes")).to_contain_text("14:00–15:00")
    page.go_back()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("import-undo").click()
    expect(page.get_by_test_id("import-message")).to_contain_text("Undone: removed 3 entries")
    expect(page.get_by_test_id("import-undo")).to_have_count(0)
    page.goto(f"{live_server}/time-logs")
    expect(page.get_by_test_id("time-log-row")).to_have_count(0)
