"""In Chromium (issue 19 C): starting work fast from the header's Start menu (recent work, a project search),
favourites, keyboard shortcuts and the Ctrl-K command palette."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.models import Role
from app.timezones import utcnow
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _member_with_projects(factory):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    website = factory.project(org, name="Website")
    mobile = factory.project(org, name="Mobile app")
    factory.project(org, name="Accounting")
    return member, website, mobile


def test_header_start_continues_recent_work_in_one_click(live_server, factory, page):
    member, website, mobile = _member_with_projects(factory)
    factory.time_log(member, mobile, start=utcnow() - timedelta(hours=5), minutes=30, description="Older work")
    factory.time_log(member, website, start=utcnow() - timedelta(hours=2), minutes=45, description="Landing page copy")
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/organizations")
    page.get_by_test_id("start-menu-button").click()
    items = page.get_by_test_id("recent-work-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Landing page copy")
    items.first.click()
    expect(page.get_by_test_id("timer-project")).to_have_text("Website")
    expect(page.locator(".flash-success")).to_contain_text("Timer started on Website")
    expect(page).to_have_url(f"{live_server}/organizations")


def test_header_start_search_picks_a_project_and_starts_it(live_server, factory, page):
    member, _, _ = _member_with_projects(factory)
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/organizations")
    page.get_by_test_id("start-menu-button").click()
    search = page.get_by_test_id("start-search")
    expect(search).to_be_focused()
    page.get_by_test_id("quick-start-button").click()  # nothing chosen: asked inline, nothing sent
    expect(page.get_by_test_id("start-error")).to_have_text("Choose a project to start the timer on.")
    expect(page.get_by_test_id("header-timer")).not_to_contain_text("Pause")
    search.fill("mob")
    expect(page.get_by_test_id("start-project")).to_have_value(str(_project_id(factory, "Mobile app")))
    search.press("Enter")
    expect(page.get_by_test_id("timer-project")).to_have_text("Mobile app")


def test_start_without_javascript_asks_for_a_project_on_its_page(live_server, factory, browser):
    member, _, _ = _member_with_projects(factory)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, member.email)
        page.goto(f"{live_server}/organizations")
        page.get_by_test_id("start-menu-button").click()
        page.get_by_test_id("quick-start-button").click()
        start_page = page.get_by_test_id("start-page")
        expect(start_page.get_by_test_id("start-error")).to_have_text("Choose a project to start the timer on.")
        start_page.get_by_test_id("start-project").select_option(label="Website")
        start_page.get_by_test_id("quick-start-button").click()
        expect(page.get_by_test_id("timer-project")).to_have_text("Website")
    finally:
        context.close()


def _project_id(factory, name: str) -> int:
    from sqlalchemy import select

    from app.models import Project
    return factory.db.session.scalar(select(Project.id).where(Project.name == name))


def test_pin_an_entry_then_its_favourite_starts_in_one_click(live_server, factory, page):
    member, website, _ = _member_with_projects(factory)
    factory.time_log(member, website, start=utcnow() - timedelta(hours=2), minutes=45, description="Release notes")
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")
    page.get_by_test_id("pin-entry").click()
    expect(page.locator(".flash-success")).to_contain_text("Pinned as a favourite.")
    expect(page.get_by_test_id("unpin-entry")).to_be_visible()
    page.goto(f"{live_server}/organizations")
    page.get_by_test_id("start-menu-button").click()
    favourite = page.get_by_test_id("start-menu").get_by_test_id("favourite-start")
    expect(favourite).to_contain_text("Release notes")
    favourite.click()
    expect(page.get_by_test_id("timer-project")).to_have_text("Website")
    expect(page.locator(".timer-running")).to_have_attribute("title", "Release notes")
    expect(page.locator(".flash-success")).to_contain_text("Timer started on Website")


def test_s_stops_the_running_timer_and_keys_typed_in_a_field_do_nothing(live_server, factory, page):
    member, website, _ = _member_with_projects(factory)
    factory.time_log(member, website, start=utcnow() - timedelta(minutes=30), minutes=None, description="Running")
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")
    expect(page.get_by_test_id("timer-project")).to_have_text("Website")
    page.locator("#timer-description").press("s")  # typed in a field: only the letter
    expect(page.locator("#timer-description")).to_have_value("s")
    expect(page.get_by_test_id("stop-timer")).to_be_visible()
    page.locator("#timer-description").blur()
    page.keyboard.press("s")
    expect(page.locator(".flash-success")).to_contain_text("Timer stopped: 30 min on Website")
    expect(page.get_by_test_id("start-menu-button")).to_be_visible()
    page.keyboard.press("s")  # nothing runs now: s opens the Start menu, its search focused
    expect(page.get_by_test_id("start-search")).to_be_focused()


def test_question_mark_lists_the_shortcuts_and_n_goes_to_the_entry_form(live_server, factory, page):
    member, _, _ = _member_with_projects(factory)
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/organizations")
    dialog = page.get_by_test_id("shortcuts-dialog")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    for text in ("New entry", "Stop the running timer", "Continue your last entry", "Search or filter", "Ctrl"):
        expect(dialog).to_contain_text(text)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("n")
    expect(page).to_have_url(f"{live_server}/time-logs/new")


def test_c_continues_the_last_entry(live_server, factory, page):
    member, website, mobile = _member_with_projects(factory)
    factory.time_log(member, website, start=utcnow() - timedelta(hours=5), minutes=30, description="Older")
    factory.time_log(member, mobile, start=utcnow() - timedelta(hours=2), minutes=30, description="Latest")
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/organizations")
    page.keyboard.press("c")
    expect(page.get_by_test_id("timer-project")).to_have_text("Mobile app")
    expect(page.locator(".timer-running")).to_have_attribute("title", "Latest")


def test_ctrl_k_opens_the_palette_and_enter_starts_the_chosen_project(live_server, factory, page):
    member, _, _ = _member_with_projects(factory)
    other_org = factory.organization(name="Elsewhere")
    factory.project(other_org, name="Mobile secrets")  # not the member's: never listed
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/organizations")
    palette = page.get_by_test_id("palette")
    page.keyboard.press("Control+k")
    expect(palette).to_be_visible()
    expect(page.get_by_test_id("palette-input")).to_be_focused()
    items = palette.get_by_test_id("palette-item")
    expect(items.filter(has_text="Go to Timesheet")).to_have_count(1)
    expect(items.filter(has_text="Start timer on Website")).to_have_count(1)
    page.get_by_test_id("palette-input").fill("start mob")
    expect(items).to_have_count(1)
    expect(items.first).to_have_text("Start timer on Mobile app Acme")
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()

    page.keyboard.press("Control+k")
    page.get_by_test_id("palette-input").fill("start timer on")
    expect(items).to_have_count(3)  # Accounting, Mobile app, Website (by name)
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("timer-project")).to_have_text("Mobile app")
    expect(page).to_have_url(f"{live_server}/organizations")
