"""Accessibility, checked the way an auditor would (issue 24): axe-core (from the npm registry, served from
static/vendor like Turbo, loaded only by this test) on every kind of page, at desktop width and on a phone,
signed out and signed in, with the streamed sections filled in, and in dark mode at desktop width. A critical
or serious violation fails the test, named with its rule, the elements it found and axe's advice. Plus what
axe cannot judge: a skip link that moves keyboard focus to the page's main content, and streamed sections that
announce politely without taking focus."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.conftest import only_on_leg
from tests.e2e.conftest import settle_streams, sign_in

pytestmark = [pytest.mark.e2e,
              only_on_leg("postgres", "an audit of what the pages show, the same on either database")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING = ("critical", "serious")


def _violations(page) -> list[dict]:
    """axe-core's critical and serious violations on the page as it is now (WCAG 2.x A and AA rules)."""
    page.add_script_tag(url="/static/vendor/axe.min.js")
    found = page.evaluate("""async () => {
      const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a",
                                                                              "wcag21aa", "best-practice"]},
                                              resultTypes: ["violations"]})
      return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": "
                                                                           + n.failureSummary.split("\\n")[1])}))
    }""")
    return [v for v in found if v["impact"] in BLOCKING]


def _report(url: str, violations: list[dict]) -> str:
    return "\n".join(f"{url}: {v['impact']} {v['id']} ({v['help']}): " + "; ".join(v["nodes"]) for v in violations)


def _signed_in_pages(w, report_id: int) -> list[str]:
    return ["/dashboard", f"/dashboard/team/{w.alpha.id}", f"/dashboard/org/{w.org.id}", "/dashboard/system",
            "/time-logs", "/time-logs/new", "/timesheet", "/projects", "/clients", "/tags", "/reports",
            f"/reports/{report_id}", "/approvals", "/invoices", "/notifications", "/jobs", "/jobs/failures",
            f"/organizations/{w.org.id}", f"/organizations/{w.org.id}/settings", "/settings"]


def _report_of(factory, w):
    """A finished report of the organization (its page shows the on-screen views)."""
    from app.models import Report
    from app.reports.params import ReportParams

    params = ReportParams(organization_id=w.org.id, range="last_month", format="csv")
    report = Report(user_id=w.owner.id, organization_id=w.org.id, params=params.to_dict(), format="csv")
    report.restart()
    factory.db.session.add(report)
    factory.db.session.flush()
    report.complete("gone.csv", "hours.csv", 3, 10, {})
    factory.db.session.commit()
    return report


def _check(page, base: str, paths: list[str]) -> list[str]:
    problems = []
    for path in paths:
        page.goto(base + path)
        settle_streams(page, timeout_ms=15000)
        found = _violations(page)
        if found:
            problems.append(_report(path, found))
    return problems


@pytest.mark.parametrize("viewport,scheme", [(DESKTOP, "light"), (PHONE, "light"), (DESKTOP, "dark")],
                         ids=["desktop", "phone", "desktop-dark"])
def test_no_page_has_a_critical_or_serious_axe_violation(live_server, factory, browser, viewport, scheme):
    w = factory.world()
    w.owner.is_system_admin = True  # one person who may open every page
    report = _report_of(factory, w)
    # axe adds <style> elements of its own while it checks, which the pages' CSP refuses (every other browser test
    # holds the pages to it): this one context lets the auditor work, and changes nothing the pages do
    # "dark": the device prefers dark pages and the person left the setting to it (the default, "system")
    page = browser.new_context(viewport=viewport, color_scheme=scheme, bypass_csp=True).new_page()
    problems = _check(page, live_server, ["/login", "/signup", "/password/forgot"])
    sign_in(page, live_server, w.owner.email)
    paths = _signed_in_pages(w, report.id)
    problems += _check(page, live_server, paths)
    assert not problems, "\n".join(problems)


def _open_as(live_server, factory, browser, role: Role, path: str):
    """A page of Acme's, opened by a new person of `role` at desktop width."""
    org = factory.organization(name="Acme")
    person = factory.user(org, role, email="person@example.com")
    page = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(page, live_server, person.email)
    page.goto(live_server + path.format(org=org.id))
    return page


def test_the_skip_link_takes_keyboard_focus_to_the_main_content(live_server, factory, browser):
    page = _open_as(live_server, factory, browser, Role.MEMBER, "/time-logs")
    page.keyboard.press("Tab")  # the first stop on every page
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # hidden until focused, then on screen
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside the page's content, not back in the header
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_streamed_sections_announce_politely_without_taking_focus(live_server, factory, browser):
    page = _open_as(live_server, factory, browser, Role.OWNER, "/dashboard/org/{org}")
    announcer = page.get_by_test_id("live-metrics")  # "Updated HH:MM:SS" when a section's figures change
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_attribute("role", "status")
    sections = page.locator("[data-section]")
    expect(sections.first).to_be_visible()
    expect(page.locator('[data-section][data-state="loading"]')).to_have_count(0, timeout=15000)
    for k in range(sections.count()):  # each arrived section is named by its heading for assistive technology
        expect(sections.nth(k)).to_have_attribute("aria-labelledby", re.compile(".+"))
    settle_streams(page, timeout_ms=15000)
    assert page.evaluate("document.activeElement === document.body"), "a streamed section took the focus"
