"""In Chromium (issue 19 B): the billable box follows the project, a sub-minute timer is not kept, delete then
Undo, pause and resume, choosing tags and a task."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import screenshot, settle_streams, sign_in

pytestmark = pytest.mark.e2e


def test_billable_box_follows_the_chosen_project_without_a_reload(live_server, factory, page):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    factory.project(org, name="Client work", billable=True)
    factory.project(org, name="Internal", billable=False)

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs/new")
    billable = page.locator("input[name=billable]")
    expect(billable).to_be_checked()  # "Client work" comes first
    page.select_option("#project_id", label="Internal")
    expect(billable).not_to_be_checked()
    page.select_option("#project_id", label="Client work")
    expect(billable).to_be_checked()
    page.select_option("#project_id", label="Internal")

    page.fill("input[name=day]", "2026-03-02")
    page.fill("input[name=start]", "09:00")
    page.fill("input[name=end]", "10:00")
    page.fill("textarea[name=description]", "Team meeting")
    page.get_by_role("button", name="Add entry").click()
    expect(page).to_have_url(re.compile(r"/time-logs$"))
    row = page.get_by_test_id("time-log-row").first
    expect(row).to_contain_text("Team meeting")
    expect(row).to_contain_text("No")
    screenshot(page, "entry-billable-follows-project")


def test_a_timer_stopped_under_a_minute_is_not_kept_and_the_page_says_so(live_server, factory, page):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    factory.project(org, name="Website relaunch")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")
    page.fill("#timer-description", "Oops")
    page.get_by_test_id("start-timer").click()
    header = page.get_by_test_id("header-timer")
    expect(header.get_by_test_id("timer-project")).to_have_text("Website relaunch")
    expect(page.locator("tr.running")).to_contain_text("Oops")
    header.get_by_test_id("stop-timer").click()
    expect(page.get_by_role("alert").filter(has_text="Timer under a minute: not kept.")).to_be_visible()
    expect(header.get_by_test_id("no-timer")).to_be_visible()
    expect(page.get_by_test_id("time-log-row")).to_have_count(0)
    screenshot(page, "timer-under-a-minute")


def test_delete_then_undo_brings_the_entry_back_in_the_list(live_server, factory, page):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    project = factory.project(org, name="Website relaunch")
    factory.time_log(member, project, description="Homepage copy")
    factory.time_log(member, project, description="Footer links")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")
    rows = page.get_by_test_id("time-log-row")
    expect(rows).to_have_count(2)
    page.on("dialog", lambda dialog: dialog.accept())  # "Delete this entry?"
    rows.filter(has_text="Homepage copy").get_by_role("button", name="Delete").click()
    toast = page.get_by_test_id("undo-toast")
    expect(toast).to_be_visible()
    expect(rows).to_have_count(1)
    screenshot(page, "undo-toast")
    toast.get_by_test_id("undo-delete").click()
    expect(page.get_by_role("alert").filter(has_text="Entry restored.")).to_be_visible()
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Homepage copy")).to_have_count(1)


def test_pause_and_resume_from_the_header(live_server, factory, page):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    factory.project(org, name="Website relaunch")

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")
    page.fill("#timer-description", "Homepage copy")
    page.get_by_test_id("start-timer").click()
    header = page.get_by_test_id("header-timer")
    expect(header.get_by_test_id("timer-elapsed")).to_be_visible()
    settle_streams(page)  # the start's own header broadcast, which may land after the page
    header.get_by_test_id("pause-timer").click()
    expect(header.get_by_test_id("timer-paused")).to_contain_text("Paused")
    expect(header.get_by_test_id("timer-paused")).to_contain_text("Website relaunch")
    expect(header.get_by_test_id("timer-elapsed")).to_have_count(0)
    expect(page.get_by_test_id("time-log-row")).to_have_count(1)  # the first segment, ended by the pause
    screenshot(page, "timer-paused")
    header.get_by_test_id("resume-timer").click()
    expect(header.get_by_test_id("timer-elapsed")).to_be_visible()
    expect(header.get_by_test_id("timer-paused")).to_have_count(0)
    rows = page.get_by_test_id("time-log-row")
    expect(rows).to_have_count(2)
    expect(page.locator("tr.running")).to_contain_text("Homepage copy")  # the same work, a new segment


def test_choosing_tags_and_a_task_on_an_entry_shows_them_in_the_list(live_server, factory, page):
    from app.models import Tag, Task

    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    project = factory.project(org, name="Website relaunch", color="#ef4444")
    factory.db.session.add_all([Task(project_id=project.id, name="Design"), Tag(organization_id=org.id, name="meeting"),
                                Tag(organization_id=org.id, name="bugfix"), Tag(organization_id=org.id, name="urgent")])
    factory.db.session.commit()

    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs/new")
    page.fill("input[name=day]", "2026-03-02")
    page.fill("input[name=start]", "09:00")
    page.fill("input[name=end]", "10:00")
    page.fill("textarea[name=description]", "Kick-off")
    page.select_option("#task_id", label="Website relaunch · Design")
    page.select_option("#tag_ids", label=["meeting", "urgent"])
    page.get_by_role("button", name="Add entry").click()
    expect(page).to_have_url(re.compile(r"/time-logs$"))
    row = page.get_by_test_id("time-log-row").first
    expect(row.get_by_test_id("log-tag")).to_have_text(["meeting", "urgent"])
    expect(row.get_by_test_id("log-task")).to_have_text("· Design")
    expect(row.locator(".project-dot")).to_have_attribute("style", re.compile("#ef4444"))
    screenshot(page, "entry-tags-task-colour")
