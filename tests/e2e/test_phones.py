"""On a phone (390 x 844, issue 19 D): the compact header with its menu, /time-logs as cards with their actions, no
sideways scrolling, and the timer's buttons at the bottom of the screen. Above 700 px nothing of this applies."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.models import Role, utcnow
from tests.e2e.conftest import screenshot, settle_streams, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _member_with_entries(factory):
    org = factory.organization(name="Acme")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    project = factory.project(org, name="Website relaunch with a rather long project name for the wide world of phones")
    for hours in (3, 5):
        factory.time_log(member, project, start=utcnow() - timedelta(hours=hours), minutes=45,
                         description="Homepage copy, " + "long words " * 12)
    return member, project


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_time_logs_on_a_phone_are_cards_with_their_actions_and_the_menu_opens_the_navigation(
        live_server, factory, browser):
    member, project = _member_with_entries(factory)
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")

    rows = page.get_by_test_id("time-log-row")
    expect(rows).to_have_count(2)
    _no_sideways_scroll(page)
    first = rows.first
    for name in ("Edit",):
        expect(first.get_by_role("link", name=name)).to_be_visible()
    expect(first.get_by_role("button", name="Delete")).to_be_visible()
    expect(first.get_by_test_id("continue-entry")).to_be_visible()
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # a card within the screen
    delete = first.get_by_role("button", name="Delete").bounding_box()
    assert delete["x"] + delete["width"] <= PHONE["width"]

    # the compact header: the navigation folds into the menu
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    menu = page.get_by_test_id("menu-button")
    expect(menu).to_be_visible()
    menu.click()
    expect(nav).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Timesheet")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # folded into the menu too
    _no_sideways_scroll(page)
    screenshot(page, "phone-menu-open")
    menu.click()
    expect(nav).to_be_hidden()

    # the timer: started from a card's Continue, its Stop in the bottom bar within a thumb's reach
    first.get_by_test_id("continue-entry").click()
    header = page.get_by_test_id("header-timer")
    expect(header.get_by_test_id("timer-elapsed")).to_be_visible()
    stop = header.get_by_test_id("stop-timer")
    expect(stop).to_be_visible()
    settle_streams(page)  # the start's own header broadcast replaces the timer: measure the one that stays
    stop_box = stop.bounding_box()
    assert stop_box["y"] + stop_box["height"] > PHONE["height"] - 100 and stop_box["y"] + stop_box["height"] <= \
        PHONE["height"]
    _no_sideways_scroll(page)
    screenshot(page, "phone-time-logs")
    stop.click()
    start = page.get_by_test_id("start-menu-button")  # the header's Start menu, at the bottom
    expect(start).to_be_visible()
    settle_streams(page)  # the stop's own header broadcast would close a menu opened before it lands
    start_box = start.bounding_box()
    assert start_box["y"] > PHONE["height"] - 100 and start_box["x"] + start_box["width"] <= PHONE["width"]
    start.click()  # it opens upwards, within the screen
    quick = page.get_by_test_id("quick-start-button")
    expect(quick).to_be_visible()
    quick_box = quick.bounding_box()
    assert quick_box["y"] >= 0 and quick_box["x"] + quick_box["width"] <= PHONE["width"]
    _no_sideways_scroll(page)


def test_above_700_px_the_header_and_the_list_stay_as_they_were(live_server, factory, browser):
    member, _ = _member_with_entries(factory)
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(page, live_server, member.email)
    page.goto(f"{live_server}/time-logs")
    expect(page.get_by_test_id("menu-button")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_test_id("time-log-list").locator("thead")).to_be_visible()
    assert page.get_by_test_id("time-log-row").first.evaluate("row => getComputedStyle(row).display") == "table-row"
    start = page.get_by_test_id("start-menu-button").bounding_box()
    assert start["y"] < 100  # in the header, not at the bottom
