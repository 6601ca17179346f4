"""Languages (issue 24), as people see them in Chromium: a browser asking for German gets German pages, and the
dashboard's sections, computed by a worker and streamed to every open page, arrive in each page's own language,
also when a timer starts elsewhere; a person who picks Spanish in their settings reads Spanish at once."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from playwright.sync_api import expect

from app.models import Role
from app.time_tracking import timers
from tests.e2e.conftest import settle_streams, sign_in

pytestmark = pytest.mark.e2e


def _in(app, code: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(code):
        return _(message, **values)


def test_each_page_reads_the_dashboard_in_its_own_language(app, live_server, factory, browser, db):
    org = factory.organization(name="Acme")
    owner = factory.user(org, Role.OWNER, email="owner@example.com")
    member = factory.user(org, Role.MEMBER, email="member@example.com")
    project = factory.project(org, name="Website relaunch")
    factory.time_log(member, project, minutes=90)
    running = {"en": "Running timers", "de": _in(app, "de", "Running timers")}
    assert running["de"] != running["en"]

    pages = {}
    for code, locale in (("en", "en-US"), ("de", "de-DE")):
        page = browser.new_context(locale=locale).new_page()
        sign_in(page, live_server, owner.email)
        page.goto(f"{live_server}/dashboard/org/{org.id}")
        expect(page.locator("html")).to_have_attribute("lang", code)
        pages[code] = page
    for code, page in pages.items():  # the sections a worker computed, streamed in each page's language
        summary = page.get_by_test_id("dashboard-metrics")
        expect(summary).to_contain_text(running[code], timeout=20000)
        expect(page.locator("[data-metric=running]")).to_have_text("0")
    expect(pages["de"].get_by_test_id("dashboard-metrics")).not_to_contain_text("Running timers")

    timers.start_timer(member, project)  # elsewhere: both pages update live, each still in its language
    db.session.commit()
    for code, page in pages.items():
        expect(page.locator("[data-metric=running]")).to_have_text("1", timeout=20000)
        expect(page.get_by_test_id("dashboard-metrics")).to_contain_text(running[code])

    german = pages["de"]  # the person's own choice wins over the browser's, from the page they save it on
    settle_streams(german)
    german.goto(f"{live_server}/settings")
    german.get_by_test_id("language").select_option("es")
    german.get_by_test_id("save-profile").click()
    expect(german.get_by_text(_in(app, "es", "Your settings were saved."))).to_be_visible()
    expect(german.locator("html")).to_have_attribute("lang", "es")
    expect(german.get_by_test_id("language")).to_have_value("es")
