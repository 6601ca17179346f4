"""/palette.json: the command palette's projects, only those the signed-in person may start a timer on."""
from __future__ import annotations

from app.models import Role
from tests.conftest import login


def test_the_palette_lists_only_your_own_active_projects(client, factory):
    w = factory.world()
    factory.project(w.org, team=w.alpha, name="Old alpha", status="archived")
    login(client, w.member)
    response = client.get("/palette.json")
    assert response.status_code == 200 and response.is_json
    assert response.headers["Cache-Control"] == "private, no-store"
    names = {project["name"] for project in response.get_json()["projects"]}
    assert names == {"Alpha site", "Internal"}  # not Beta app (another team's), Other project, archived ones
    assert all(project["organization"] == "Acme" for project in response.get_json()["projects"])


def test_another_organization_sees_its_own_projects_only(client, factory):
    w = factory.world()
    guest = factory.user(w.other_org, Role.MEMBER)
    login(client, guest)
    assert [p["name"] for p in client.get("/palette.json").get_json()["projects"]] == ["Other project"]


def test_the_palette_needs_a_signed_in_person(client, factory):
    factory.world()
    response = client.get("/palette.json")
    assert response.status_code in (302, 401) and b"Alpha site" not in response.data


def test_signed_in_pages_carry_the_shortcuts_and_the_palette_signed_out_ones_do_not(client, factory):
    w = factory.world()
    assert 'data-controller="shortcuts palette' not in client.get("/login").get_data(as_text=True)
    login(client, w.member)
    html = client.get("/organizations").get_data(as_text=True)
    assert 'data-controller="shortcuts palette offline-timer"' in html
    assert 'data-palette-url-value="/palette.json"' in html
    assert 'data-shortcut="new-entry"' in html and 'data-testid="shortcuts-dialog"' in html
