"""In Chromium, through the gateway: an owner invites a colleague, who accepts from the e-mailed link (the
development outbox, written by a real worker), sets a password and lands in the right team, while the owner's
organization dashboard counts one more person live; and an owner demotes then removes a member, whose open
dashboard tab stops updating and whose next page view is a 404; and an owner exports everything, watches the
export finish live and downloads the ZIP."""
from __future__ import annotations

import json
import os
import re
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert

from app.models import Role, TimeLog, utcnow
from app.organizations.export_tables import TABLES
from tests.e2e.conftest import screenshot, settle_streams, sign_in
from tests.mailbox import empty_outbox, links, outbox

pytestmark = pytest.mark.e2e

OUTBOX = Path(os.environ["OUTBOX_DIR"])


def _wait_for_mail(to: str, timeout: float = 20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [m for m in outbox(OUTBOX) if m["To"] == to]
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no mail to {to} in {OUTBOX}")


def _people(page):
    return page.get_by_test_id("dashboard-metrics").page.locator("[data-metric=people]")


def test_an_invited_colleague_joins_the_team_and_the_dashboard_counts_them_live(live_server, factory, browser, page):
    base = live_server
    empty_outbox(OUTBOX)
    org = factory.organization(name="Acme")
    team = factory.team(org, name="Alpha")
    factory.team(org, name="Beta")
    owner = factory.user(org, Role.OWNER, email="owner@example.com", name="Olive Owner")

    sign_in(page, base, owner.email)
    page.goto(f"{base}/dashboard/org/{org.id}")
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=20000)
    people = page.locator("[data-metric=people]")
    expect(people).to_have_text("1", timeout=20000)

    invite_page = page.context.new_page()
    invite_page.goto(f"{base}/organizations/{org.id}")
    invite_page.get_by_test_id("invite-link").click()
    invite_page.get_by_test_id("invite-email").fill("colleague@example.com")
    invite_page.get_by_test_id("invite-role").select_option("member")
    invite_page.get_by_test_id("invite-teams").select_option(label="Alpha")
    invite_page.get_by_test_id("send-invitation").click()
    expect(invite_page.get_by_test_id("invitation-row")).to_have_count(1)
    (link,) = links(_wait_for_mail("colleague@example.com"))
    assert link.startswith(base + "/invitations/accept/")

    colleague = browser.new_context(timezone_id="America/Chicago").new_page()
    colleague.goto(link)
    colleague.get_by_test_id("accept-name").fill("Cole Colleague")
    colleague.get_by_test_id("accept-password").fill("a long passphrase")
    colleague.get_by_test_id("accept-invitation").click()
    colleague.wait_for_url(f"{base}/organizations/{org.id}")
    colleague.goto(f"{base}/teams/{team.id}")
    expect(colleague.get_by_test_id("member-list")).to_contain_text("colleague@example.com")
    screenshot(colleague, "people-invitation-accepted")
    colleague.goto(f"{base}/settings")  # their time zone is the browser's
    expect(colleague.get_by_test_id("time-zone")).to_have_value("America/Chicago")

    expect(people).to_have_text("2", timeout=20000)  # the owner's open dashboard, live
    expect(page.get_by_test_id("live-metrics")).to_have_text(re.compile(r"Updated \d\d:\d\d:\d\d"))
    screenshot(page, "people-dashboard-counts-one-more")
    colleague.goto(link)  # the link worked once
    expect(colleague.get_by_test_id("invitation-problem")).to_contain_text("already used")
    colleague.context.close()


def test_a_demoted_then_removed_member_stops_receiving_and_gets_a_404(live_server, factory, browser, page):
    base = live_server
    org = factory.organization(name="Acme")
    owner = factory.user(org, Role.OWNER, email="owner@example.com", name="Olive Owner")
    admin = factory.user(org, Role.ADMIN, email="admin@example.com", name="Ada Admin")
    factory.user(org, Role.MEMBER, email="member@example.com", name="Mo Member")

    # the admin has the organization dashboard open
    admin_page = browser.new_context().new_page()
    sign_in(admin_page, base, admin.email)
    admin_page.goto(f"{base}/dashboard/org/{org.id}")
    expect(admin_page.get_by_test_id("stream-status")).to_have_text("live", timeout=20000)
    admin_people = admin_page.locator("[data-metric=people]")
    expect(admin_people).to_have_text("3", timeout=20000)

    # so has the owner, in one tab; in another the owner demotes the admin
    sign_in(page, base, owner.email)
    page.goto(f"{base}/dashboard/org/{org.id}")
    owner_people = page.locator("[data-metric=people]")
    expect(owner_people).to_have_text("3", timeout=20000)
    manage = page.context.new_page()
    manage.goto(f"{base}/organizations/{org.id}")
    row = manage.locator('[data-testid=member-row][data-email="admin@example.com"]')
    row.get_by_test_id("role-select").select_option("member")
    row.get_by_test_id("change-role").click()
    expect(manage.locator('[data-testid=member-row][data-email="admin@example.com"]')
           .get_by_test_id("member-role")).to_have_text("member")

    # then removes them: the owner's dashboard counts one person less, live; the former admin's tab does not move
    manage.locator('[data-testid=member-row][data-email="admin@example.com"]').get_by_test_id("remove-member").click()
    expect(manage.locator('[data-testid=member-row][data-email="admin@example.com"]')).to_have_count(0)
    expect(owner_people).to_have_text("2", timeout=20000)
    page.wait_for_timeout(1500)  # time enough for a stream to reach the other tab, were it still subscribed
    expect(admin_people).to_have_text("3")
    screenshot(admin_page, "people-removed-member-tab-stopped")

    # their next page view of the organization is a 404; they are still signed in
    response = admin_page.goto(f"{base}/dashboard/org/{org.id}")
    assert response.status == 404
    response = admin_page.goto(f"{base}/organizations/{org.id}")
    assert response.status == 404
    assert admin_page.goto(f"{base}/time-logs").status == 200
    admin_page.context.close()


def test_an_owner_exports_everything_watches_it_finish_live_and_downloads_the_zip(live_server, factory, db, page,
                                                                                   tmp_path):
    base = live_server
    w = factory.world()
    start = utcnow() - timedelta(days=20)
    db.session.execute(insert(TimeLog), [
        dict(organization_id=w.org.id, user_id=w.member.id, project_id=w.alpha_project.id,
             start_time=start + timedelta(minutes=2 * i), end_time=start + timedelta(minutes=2 * i + 1),
             duration_minutes=1, description=f"=ticket {i}", billable=True) for i in range(300)])
    db.session.commit()
    org_id, logs = w.org.id, 300 + 2  # and the world's two

    sign_in(page, base, w.owner.email)
    page.goto(f"{base}/organizations/{org_id}")
    page.get_by_test_id("org-export-link").click()
    expect(page.get_by_test_id("no-exports")).to_be_visible()
    expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=10000)
    # every state the export shows on this page, as streams replace it (the page is never loaded again)
    page.evaluate("""() => {
      window.__states = []
      const record = () => {
        const el = document.querySelector('[data-testid="export"]')
        if (el && window.__states.at(-1) !== el.dataset.status) window.__states.push(el.dataset.status)
      }
      new MutationObserver(record).observe(document.body, {subtree: true, childList: true, attributes: true})
    }""")
    page.get_by_role("button", name="Export everything").click()
    expect(page.locator(".flash")).to_contain_text("Export asked for")
    export = page.get_by_test_id("export")
    expect(export).to_have_attribute("data-status", "completed", timeout=60000)
    states = page.evaluate("window.__states")
    assert states[0] in ("pending", "running") and states[-1] == "completed", f"it finished live: {states}"
    expect(page.get_by_test_id("export-done")).to_contain_text(f"rows in {len(TABLES)} tables")
    screenshot(page, "organization-export-done")

    settle_streams(page)  # the export's last streams (its card, the bell) land before the click, not under it
    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["organization_id"] == org_id and manifest["files"]["time_logs.csv"] == logs
        assert "'=ticket 7" in archive.read("time_logs.csv").decode()
    # the owner was told, in the header's bell
    page.goto(f"{base}/notifications")
    expect(page.locator("main")).to_contain_text("is ready")
