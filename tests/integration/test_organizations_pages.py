"""Organization and team pages: members with roles, teams, dashboard links only when allowed, 404 otherwise."""
from __future__ import annotations

import pytest

from tests.conftest import login


@pytest.mark.parametrize("role, visible", [
    ("sysadmin", {"Acme", "Other Inc"}), ("owner", {"Acme"}), ("member", {"Acme"}), ("outsider", {"Other Inc"}),
])
def test_organization_list_shows_only_the_users_organizations(client, factory, role, visible):
    w = factory.world()
    login(client, getattr(w, role))
    response = client.get("/organizations")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in ("Acme", "Other Inc"):
        assert (f"<h2>{name}</h2>" in html) == (name in visible)


@pytest.mark.parametrize("role, status, dashboard_link", [
    ("sysadmin", 200, True), ("owner", 200, True), ("admin", 200, True), ("manager", 200, False),
    ("member", 200, False), ("outsider", 404, False),
])
def test_organization_page_by_role(client, factory, role, status, dashboard_link):
    w = factory.world()
    login(client, getattr(w, role))
    response = client.get(f"/organizations/{w.org.id}")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert (f'href="/dashboard/org/{w.org.id}"' in html) == dashboard_link
    if status == 200:
        assert html.count('data-testid="member-row"') == 5  # owner, admin, manager, member, beta member
        assert "owner@acme.test" in html and "outsider@other.test" not in html
        assert ">owner</span>" in html and ">manager</span>" in html


def test_organization_page_lists_only_teams_the_user_may_see(client, factory):
    w = factory.world()
    login(client, w.member)
    html = client.get(f"/organizations/{w.org.id}").get_data(as_text=True)
    assert f'href="/teams/{w.alpha.id}"' in html and f'href="/teams/{w.beta.id}"' not in html
    client.post("/logout")
    login(client, w.admin)
    html = client.get(f"/organizations/{w.org.id}").get_data(as_text=True)
    assert f'href="/teams/{w.beta.id}"' in html


@pytest.mark.parametrize("role, team_attr, status, dashboard_link", [
    ("sysadmin", "beta", 200, True), ("owner", "beta", 200, True), ("admin", "alpha", 200, True),
    ("manager", "alpha", 200, True), ("manager", "beta", 404, False), ("member", "alpha", 200, False),
    ("member", "beta", 404, False), ("outsider", "alpha", 404, False),
])
def test_team_page_by_role(client, factory, role, team_attr, status, dashboard_link):
    w = factory.world()
    team = getattr(w, team_attr)
    login(client, getattr(w, role))
    response = client.get(f"/teams/{team.id}")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert (f'href="/dashboard/team/{team.id}"' in html) == dashboard_link
    if status == 200 and team_attr == "alpha":
        assert "<td>manager@acme.test</td>" in html and "<td>member@acme.test</td>" in html
        assert "<td>beta@acme.test</td>" not in html  # (owners and admins may find them in the "add" list)
        assert "<td>Alpha site</td>" in html and "<td>Beta app</td>" not in html


@pytest.mark.parametrize("path", ["/organizations/abc", "/organizations/999999", "/teams/abc", "/teams/999999",
                                  "/organizations/-1"])
def test_bad_organization_and_team_ids_are_404(client, factory, path):
    w = factory.world()
    login(client, w.sysadmin)
    assert client.get(path).status_code == 404
