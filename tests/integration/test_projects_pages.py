"""Projects and clients pages: who may list, create, edit and archive, and every invalid input's 422."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import Client, Membership, Project, Role
from tests.conftest import login


def _projects(db) -> list[tuple]:
    return db.session.execute(select(Project.id, Project.name, Project.status, Project.budget_hours,
                                     Project.team_id, Project.client_id).order_by(Project.id)).all()


def _project_data(w, **overrides) -> dict:
    data = {"organization_id": w.org.id, "name": "Website relaunch", "client_id": w.client.id,
            "team_id": w.alpha.id, "budget_hours": "120.5", "billable": "y"}
    data.update(overrides)
    return data


# -- list ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, visible", [
    ("sysadmin", {"Alpha site", "Beta app", "Internal", "Other project"}),
    ("owner", {"Alpha site", "Beta app", "Internal"}),
    ("admin", {"Alpha site", "Beta app", "Internal"}),
    ("manager", {"Alpha site", "Internal"}),
    ("member", {"Alpha site", "Internal"}),
    ("outsider", {"Other project"}),
])
def test_project_list_shows_exactly_the_visible_projects(client, factory, role, visible):
    w = factory.world()
    login(client, getattr(w, role))
    response = client.get("/projects")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in ("Alpha site", "Beta app", "Internal", "Other project"):
        assert (f"<td>{name}</td>" in html) == (name in visible), name


def test_project_list_filters_active_and_archived(client, factory):
    w = factory.world()
    w.beta_project.archive()
    factory.db.session.commit()
    login(client, w.owner)
    assert "<td>Beta app</td>" not in client.get("/projects").get_data(as_text=True)
    archived = client.get("/projects?status=archived").get_data(as_text=True)
    assert "<td>Beta app</td>" in archived and "<td>Alpha site</td>" not in archived
    everything = client.get("/projects?status=all&page=abc").get_data(as_text=True)
    assert "<td>Beta app</td>" in everything and "<td>Alpha site</td>" in everything
    assert "Globex" in everything and "120" not in everything


# -- create --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, status", [("sysadmin", 200), ("owner", 200), ("admin", 200), ("manager", 200),
                                          ("member", 403)])
def test_new_project_page_by_role(client, factory, role, status):
    w = factory.world()
    login(client, getattr(w, role))
    assert client.get("/projects/new").status_code == status


def test_member_cannot_create_a_project(client, factory):
    w = factory.world()
    login(client, w.member)
    before = _projects(factory.db)
    assert client.post("/projects/new", data=_project_data(w)).status_code == 403
    assert _projects(factory.db) == before


def test_manager_creates_a_project_in_their_team(client, factory):
    w = factory.world()
    login(client, w.manager)
    response = client.post("/projects/new", data=_project_data(w))
    assert response.status_code == 303
    project = factory.db.session.scalar(select(Project).where(Project.name == "Website relaunch"))
    assert (project.organization_id, project.team_id, project.client_id) == (w.org.id, w.alpha.id, w.client.id)
    assert project.budget_hours == Decimal("120.50") and project.billable and project.is_active
    assert project.hourly_rate is None


def test_a_manager_sets_and_clears_a_projects_hourly_rate(client, factory):
    w = factory.world()
    login(client, w.manager)
    assert client.post(f"/projects/{w.alpha_project.id}/edit",
                       data=_project_data(w, hourly_rate="95,5")).status_code == 303
    factory.db.session.refresh(w.alpha_project)
    assert w.alpha_project.hourly_rate == Decimal("95.50")
    assert 'value="95.50"' in client.get(f"/projects/{w.alpha_project.id}/edit").get_data(as_text=True)
    client.post(f"/projects/{w.alpha_project.id}/edit", data=_project_data(w, hourly_rate=""))
    factory.db.session.refresh(w.alpha_project)
    assert w.alpha_project.hourly_rate is None
    from sqlalchemy import select

    from app.models import AuditEntry
    trail = [(e.organization_id, e.actor_id, e.target, e.details["amount"]) for e in factory.db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "rate.create").order_by(AuditEntry.id))]
    assert trail == [(w.org.id, w.manager.id, f"project {w.alpha_project.name}", "95.50"),  # each rate change
                     (w.org.id, w.manager.id, f"project {w.alpha_project.name}", None)]  # audited
    client.post("/logout")
    login(client, w.member)
    assert client.post(f"/projects/{w.alpha_project.id}/edit",
                       data=_project_data(w, hourly_rate="1")).status_code == 403  # members may not set rates


def test_owner_creates_an_organization_wide_project_without_client(client, factory):
    w = factory.world()
    login(client, w.owner)
    response = client.post("/projects/new", data=_project_data(w, client_id="0", team_id="0", budget_hours="",
                                                               billable=""))
    assert response.status_code == 303
    project = factory.db.session.scalar(select(Project).where(Project.name == "Website relaunch"))
    assert project.team_id is None and project.client_id is None and project.budget_hours is None
    assert project.billable is False


@pytest.mark.parametrize("overrides, message", [
    ({"name": "  "}, "Name is required."),
    ({"name": "n" * 201}, "Name must be at most 200 characters."),
    ({"budget_hours": "-1"}, "Budget cannot be negative."),
    ({"budget_hours": "abc"}, "Budget must be a number of hours"),
    ({"budget_hours": "NaN"}, "Budget must be a number of hours"),
    ({"budget_hours": "Infinity"}, "Budget must be a number of hours"),
    ({"budget_hours": "1000000000000"}, "Budget is too large."),
    ({"hourly_rate": "-5"}, "Hourly rate cannot be negative."),
    ({"hourly_rate": "ninety"}, "Hourly rate must be an amount"),
    ({"hourly_rate": "90.555"}, "Hourly rate takes at most two decimals"),
    ({"team_id": "0"}, "Managers put projects in a team they manage."),
    ({"team_id": "beta"}, "Choose a team you may manage."),
    ({"client_id": "99999"}, "Choose one of your organization&#39;s clients."),
    ({"organization_id": "other"}, "Choose an organization where you may manage projects."),
    ({"organization_id": "abc"}, "Choose an organization where you may manage projects."),
])
def test_invalid_project_is_422_inline_and_changes_nothing(client, factory, overrides, message):
    w = factory.world()
    substitutes = {"beta": w.beta.id, "other": w.other_org.id}
    overrides = {k: str(substitutes.get(v, v)) for k, v in overrides.items()}
    login(client, w.manager)
    before = _projects(factory.db)
    response = client.post("/projects/new", data=_project_data(w, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'data-testid="project-form"' in html
    assert _projects(factory.db) == before


def test_user_in_several_orgs_picks_among_orgs_they_manage(client, factory):
    w = factory.world()
    factory.db.session.add(Membership(organization_id=w.other_org.id, user_id=w.owner.id, role=Role.MEMBER.value))
    third = factory.organization(name="Third Co")
    factory.db.session.add(Membership(organization_id=third.id, user_id=w.owner.id, role=Role.ADMIN.value))
    factory.db.session.commit()
    login(client, w.owner)
    html = client.get("/projects/new").get_data(as_text=True)
    assert "Third Co" in html and "Other Inc" not in html
    before = _projects(factory.db)
    response = client.post("/projects/new", data=_project_data(w, organization_id=w.other_org.id, client_id="0",
                                                               team_id="0"))
    assert response.status_code == 422 and _projects(factory.db) == before
    response = client.post("/projects/new", data=_project_data(w, organization_id=third.id, team_id="0"))
    assert response.status_code == 422 and "That client belongs to another organization." in response.get_data(
        as_text=True)
    response = client.post("/projects/new", data=_project_data(w, organization_id=third.id, client_id="0",
                                                               team_id="0"))
    assert response.status_code == 303
    assert factory.db.session.scalar(select(Project.organization_id).where(Project.name == "Website relaunch")) \
        == third.id


# -- edit / archive ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, project_attr, status", [
    ("sysadmin", "beta_project", 200), ("owner", "beta_project", 200), ("admin", "org_project", 200),
    ("manager", "alpha_project", 200), ("manager", "org_project", 403), ("manager", "beta_project", 404),
    ("member", "alpha_project", 403), ("member", "beta_project", 404), ("outsider", "alpha_project", 404),
])
def test_edit_and_archive_access_by_role(client, factory, role, project_attr, status):
    w = factory.world()
    project = getattr(w, project_attr)
    login(client, getattr(w, role))
    assert client.get(f"/projects/{project.id}/edit").status_code == status
    response = client.post(f"/projects/{project.id}/archive")
    assert response.status_code == (303 if status == 200 else status)
    factory.db.session.expire_all()
    assert factory.db.session.get(Project, project.id).is_active == (status != 200)


def test_edit_saves_changes_and_keeps_the_organization(client, factory):
    w = factory.world()
    login(client, w.owner)
    page = client.get(f"/projects/{w.alpha_project.id}/edit").get_data(as_text=True)
    assert 'value="Alpha site"' in page
    response = client.post(f"/projects/{w.alpha_project.id}/edit",
                           data=_project_data(w, name="Alpha site v2", organization_id=w.other_org.id,
                                              budget_hours="8"))
    assert response.status_code == 303
    factory.db.session.expire_all()
    project = factory.db.session.get(Project, w.alpha_project.id)
    assert (project.name, project.organization_id, project.budget_hours) == ("Alpha site v2", w.org.id, Decimal("8"))


def test_invalid_edit_is_422_and_changes_nothing(client, factory):
    w = factory.world()
    login(client, w.owner)
    before = _projects(factory.db)
    response = client.post(f"/projects/{w.alpha_project.id}/edit", data=_project_data(w, budget_hours="-3"))
    assert response.status_code == 422 and "Budget cannot be negative." in response.get_data(as_text=True)
    assert _projects(factory.db) == before


def test_unarchive_makes_a_project_active_again(client, factory):
    w = factory.world()
    w.alpha_project.archive()
    factory.db.session.commit()
    login(client, w.manager)
    assert client.post(f"/projects/{w.alpha_project.id}/unarchive").status_code == 303
    factory.db.session.expire_all()
    assert factory.db.session.get(Project, w.alpha_project.id).is_active


@pytest.mark.parametrize("bad_id", ["abc", "999999", "0"])
def test_bad_project_ids_are_404(client, factory, bad_id):
    w = factory.world()
    login(client, w.owner)
    assert client.get(f"/projects/{bad_id}/edit").status_code == 404
    assert client.post(f"/projects/{bad_id}/archive").status_code == 404


# -- clients -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, status", [("sysadmin", 200), ("owner", 200), ("admin", 200), ("manager", 200),
                                          ("member", 403)])
def test_client_pages_by_role(client, factory, role, status):
    w = factory.world()
    login(client, getattr(w, role))
    assert client.get("/clients").status_code == status
    assert client.get("/clients/new").status_code == status
    edit_status = 404 if status == 403 else 200  # members may not even see clients
    assert client.get(f"/clients/{w.client.id}/edit").status_code == edit_status


def test_outsider_gets_404_for_another_orgs_client(client, factory):
    w = factory.world()
    login(client, w.outsider)
    assert client.get(f"/clients/{w.client.id}/edit").status_code == 404
    assert client.post(f"/clients/{w.client.id}/archive").status_code == 404
    assert "Globex" not in client.get("/clients").get_data(as_text=True)


def test_manager_creates_edits_and_archives_a_client(client, factory):
    w = factory.world()
    login(client, w.manager)
    assert client.post("/clients/new", data={"organization_id": w.org.id, "name": "Initech"}).status_code == 303
    created = factory.db.session.scalar(select(Client).where(Client.name == "Initech"))
    assert created.organization_id == w.org.id
    assert client.post(f"/clients/{created.id}/edit", data={"name": "Initech Ltd"}).status_code == 303
    assert client.post(f"/clients/{created.id}/archive").status_code == 303
    factory.db.session.expire_all()
    created = factory.db.session.get(Client, created.id)
    assert (created.name, created.archived) == ("Initech Ltd", True)
    assert "Initech Ltd" in client.get("/clients?status=archived").get_data(as_text=True)
    assert client.post(f"/clients/{created.id}/unarchive").status_code == 303
    factory.db.session.expire_all()
    assert factory.db.session.get(Client, created.id).archived is False


@pytest.mark.parametrize("name, message", [
    ("Globex", "already has a client with that name"),
    ("globex", "already has a client with that name"),
    ("", "Name is required."),
    ("c" * 201, "Name must be at most 200 characters."),
])
def test_invalid_client_is_422_inline_and_changes_nothing(client, factory, name, message):
    w = factory.world()
    login(client, w.owner)
    count = factory.db.session.scalar(select(func.count()).select_from(Client))
    response = client.post("/clients/new", data={"organization_id": w.org.id, "name": name})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert factory.db.session.scalar(select(func.count()).select_from(Client)) == count


def test_renaming_a_client_to_a_taken_name_is_422(client, factory):
    w = factory.world()
    other = factory.client(w.org, name="Umbrella")
    login(client, w.owner)
    response = client.post(f"/clients/{other.id}/edit", data={"name": "Globex"})
    assert response.status_code == 422 and "already has a client with that name" in response.get_data(as_text=True)
    factory.db.session.expire_all()
    assert factory.db.session.get(Client, other.id).name == "Umbrella"


def test_same_client_name_is_fine_in_another_organization(client, factory):
    w = factory.world()
    login(client, w.outsider)
    assert client.post("/clients/new", data={"organization_id": w.other_org.id, "name": "Globex"}).status_code == 303
