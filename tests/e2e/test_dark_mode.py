"""Dark mode (issue 24): pages follow the device's light or dark preference, and a person may choose one in their
settings, which holds on every page they open (Turbo Drive keeps <html>, so the choice is carried over)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LIGHT_PAPER = "rgb(246, 245, 241)"  # --paper in each scheme (static/css/app.css)
DARK_PAPER = "rgb(18, 21, 28)"


def _paper(page) -> str:
    return page.evaluate("getComputedStyle(document.documentElement).backgroundColor")


def _card_text(page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('.card')).color")


def test_pages_follow_the_device_and_a_choice_in_settings_wins(live_server, factory, browser):
    org = factory.organization(name="Acme")
    person = factory.user(org, Role.MEMBER, email="night@example.com")
    page = browser.new_context(color_scheme="dark").new_page()
    page.goto(live_server + "/login")
    assert _paper(page) == DARK_PAPER  # signed out: the device's preference
    sign_in(page, live_server, person.email)
    page.goto(live_server + "/settings")
    assert _paper(page) == DARK_PAPER and _card_text(page) == "rgb(230, 233, 239)"

    page.get_by_test_id("theme").select_option(label="Light")
    page.get_by_test_id("save-profile").click()
    expect(page.get_by_text("Your settings were saved.")).to_be_visible()
    expect(page.get_by_test_id("theme")).to_have_value("light")  # what is chosen now, shown on the form
    assert _paper(page) == LIGHT_PAPER  # at once, without reloading, on a device that prefers dark
    page.get_by_role("link", name="Time", exact=True).first.click()
    page.wait_for_url("**/time-logs**")
    assert _paper(page) == LIGHT_PAPER

    page.goto(live_server + "/settings")
    page.get_by_test_id("theme").select_option(label="Same as this device")
    page.get_by_test_id("save-profile").click()
    expect(page.get_by_text("Your settings were saved.")).to_be_visible()
    assert _paper(page) == DARK_PAPER


def test_a_person_who_chose_dark_gets_it_on_a_light_device(live_server, factory, browser):
    org = factory.organization(name="Acme")
    person = factory.user(org, Role.MEMBER, email="owl@example.com")
    person.theme = "dark"
    factory.db.session.commit()
    page = browser.new_context(color_scheme="light").new_page()
    sign_in(page, live_server, person.email)
    page.goto(live_server + "/time-logs")
    assert _paper(page) == DARK_PAPER
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    assert _paper(page) == LIGHT_PAPER  # signed out: the device's again
