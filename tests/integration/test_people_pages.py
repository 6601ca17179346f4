"""Members and roles, teams, organization settings and deletion, the audit trail: through the pages, with the
policy's 404s and 403s, inline 422s that change nothing, and an audit entry for every change."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, Membership, Organization, Project, Role, Team, TeamMembership, TimeLog, User
from tests.conftest import login


@pytest.fixture(scope="module")
def browsers():
    """An app of its own for a second browser: each of its requests gets a fresh app context (the test's client
    shares the test's, where Flask-Login's cached user would stand for both)."""
    from app import create_app

    return create_app({"WTF_CSRF_ENABLED": False})


def _audit(db, org_id):
    return [(e.action, e.target) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.organization_id == org_id).order_by(AuditEntry.id))]


def _role_url(w, user):
    return f"/organizations/{w.org.id}/members/{w.org.membership_of(user.id).id}/role"


def _remove_url(w, user):
    return f"/organizations/{w.org.id}/members/{w.org.membership_of(user.id).id}/remove"


def test_an_owner_changes_a_role_and_it_is_audited_with_the_address(client, factory, db):
    w = factory.world()
    login(client, w.owner)
    assert client.post(_role_url(w, w.member), data={"role": "manager"}).status_code == 303
    assert w.org.membership_of(w.member.id).role == Role.MANAGER
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.role_change"))
    assert entry.actor_id == w.owner.id and entry.target == "member@acme.test" and entry.ip == "127.0.0.1"
    assert entry.details == {"user_id": w.member.id, "from": "member", "to": "manager"}


def test_the_last_owner_cannot_be_demoted_or_removed_or_leave(client, factory, db, browsers):
    w = factory.world()
    login(client, w.owner)
    me = w.org.membership_of(w.owner.id)
    sysadmin_client = browsers.test_client()
    login(sysadmin_client, w.sysadmin)
    response = sysadmin_client.post(_role_url(w, w.owner), data={"role": "admin"})
    assert response.status_code == 422 and "last owner" in response.get_data(as_text=True)
    response = client.post(_remove_url(w, w.owner))  # leaving
    assert response.status_code == 422 and "last owner" in response.get_data(as_text=True)
    assert sysadmin_client.post(_remove_url(w, w.owner)).status_code == 422
    db.session.refresh(me)
    assert me.role == Role.OWNER and me.removed_at is None
    assert _audit(db, w.org.id) == []


def test_an_admin_cannot_touch_owners_nor_make_one(client, factory, db):
    w = factory.world()
    login(client, w.admin)
    assert client.post(_role_url(w, w.member), data={"role": "owner"}).status_code == 422
    assert client.post(_role_url(w, w.owner), data={"role": "member"}).status_code == 422
    assert client.post(_remove_url(w, w.owner)).status_code == 422
    assert w.org.membership_of(w.member.id).role == Role.MEMBER
    assert w.org.membership_of(w.owner.id).role == Role.OWNER


@pytest.mark.parametrize("actor, status", [("manager", 403), ("member", 403), ("outsider", 404)])
def test_lesser_roles_and_outsiders_cannot_change_people(client, factory, db, actor, status):
    w = factory.world()
    login(client, getattr(w, actor))
    assert client.post(_role_url(w, w.beta_member), data={"role": "admin"}).status_code == status
    assert client.post(_remove_url(w, w.beta_member)).status_code == status
    assert w.org.membership_of(w.beta_member.id).role == Role.MEMBER


def test_a_bad_role_or_membership_id_changes_nothing(client, factory, db):
    w = factory.world()
    login(client, w.owner)
    assert client.post(_role_url(w, w.member), data={"role": "emperor"}).status_code == 422
    other = w.other_org.membership_of(w.outsider.id)
    assert client.post(f"/organizations/{w.org.id}/members/{other.id}/role", data={"role": "admin"}).status_code == 404
    assert client.post(f"/organizations/{w.org.id}/members/99999/remove").status_code == 404
    assert other.role == Role.OWNER and w.org.membership_of(w.member.id).role == Role.MEMBER


def test_removing_a_member_keeps_their_logs_stops_their_timer_and_404s_their_next_page(client, factory, db,
                                                                                       browsers):
    w = factory.world()
    running = factory.time_log(w.member, w.alpha_project, minutes=None)
    member_client = browsers.test_client()
    login(member_client, w.member)
    assert member_client.get(f"/organizations/{w.org.id}").status_code == 200
    login(client, w.owner)
    response = client.post(_remove_url(w, w.member))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(TimeLog, running.id).end_time is not None
    assert db.session.get(TimeLog, w.member_log.id) is not None
    membership = w.org.membership_of(w.member.id, include_removed=True)
    assert membership.removed_at is not None
    assert db.session.scalar(select(TeamMembership).where(TeamMembership.user_id == w.member.id)) is None
    page = client.get(f"/organizations/{w.org.id}").get_data(as_text=True)
    assert "member@acme.test" not in page
    for path in (f"/organizations/{w.org.id}", f"/teams/{w.alpha.id}", f"/dashboard/team/{w.alpha.id}"):
        assert member_client.get(path).status_code == 404, path
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "member.remove"))
    assert entry.target == "member@acme.test" and entry.details["stopped_timer"] is True
    logs = client.get("/time-logs?who=all").get_data(as_text=True)  # the owner still sees their logs, marked
    assert logs.count('data-testid="former-member"') == 2  # the finished log and the stopped timer


def test_a_member_may_leave(client, factory, db):
    w = factory.world()
    login(client, w.member)
    assert client.post(_remove_url(w, w.member)).status_code == 303
    assert w.org.membership_of(w.member.id) is None
    assert [a for a, _ in _audit(db, w.org.id)] == ["member.leave"]


def test_teams_created_renamed_staffed_given_projects_and_deleted(client, factory, db):
    w = factory.world()
    login(client, w.admin)
    assert client.post(f"/organizations/{w.org.id}/teams", data={"name": ""}).status_code == 422
    assert client.post(f"/organizations/{w.org.id}/teams", data={"name": "Gamma"}).status_code == 303
    team = db.session.scalar(select(Team).where(Team.name == "Gamma"))
    assert client.post(f"/teams/{team.id}/rename", data={"name": "Gamma squad"}).status_code == 303
    assert client.post(f"/teams/{team.id}/members", data={"user_id": w.member.id}).status_code == 303
    assert client.post(f"/teams/{team.id}/members", data={"user_id": w.outsider.id}).status_code == 422
    assert client.post(f"/teams/{team.id}/projects", data={"project_id": w.org_project.id}).status_code == 303
    assert client.post(f"/teams/{team.id}/projects", data={"project_id": w.other_project.id}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Project, w.org_project.id).team_id == team.id
    page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert "Gamma squad" in page and "<td>member@acme.test</td>" in page and 'data-testid="team-roles"' in page
    assert client.post(f"/teams/{team.id}/members/{w.member.id}/remove").status_code == 303
    assert client.post(f"/teams/{team.id}/delete").status_code == 303
    assert db.session.get(Team, team.id) is None
    assert db.session.get(Project, w.org_project.id).team_id is None  # the project stays, organization-wide
    assert [a for a, _ in _audit(db, w.org.id)] == [
        "team.create", "team.rename", "team.member_add", "team.project_assign", "team.member_remove", "team.delete"]


@pytest.mark.parametrize("actor, status", [("manager", 403), ("member", 403), ("outsider", 404)])
def test_only_owners_and_admins_manage_teams(client, factory, db, actor, status):
    w = factory.world()
    login(client, getattr(w, actor))
    if actor == "outsider":
        assert client.post(f"/teams/{w.alpha.id}/rename", data={"name": "Mine"}).status_code == 404
    else:
        assert client.post(f"/teams/{w.alpha.id}/rename", data={"name": "Mine"}).status_code == status
    assert client.post(f"/organizations/{w.org.id}/teams", data={"name": "Mine"}).status_code == status
    assert db.session.scalar(select(func.count()).select_from(Team).where(Team.name == "Mine")) == 0


def test_anyone_creates_an_organization_and_owns_it(client, factory, db):
    user = factory.user()
    login(client, user)
    assert client.post("/organizations/new", data={"name": " "}).status_code == 422
    response = client.post("/organizations/new", data={"name": "Newco"})
    assert response.status_code == 303
    org = db.session.scalar(select(Organization).where(Organization.name == "Newco"))
    assert org.membership_of(user.id).role == Role.OWNER and org.currency == "EUR" and org.week_start == 0
    assert [a for a, _ in _audit(db, org.id)] == ["organization.create"]


@pytest.mark.parametrize("data, field", [
    ({"name": "Acme", "currency": "EURO", "week_start": "0"}, "currency"),
    ({"name": "Acme", "currency": "ABC", "week_start": "0"}, "currency"),
    ({"name": "Acme", "currency": "USD", "week_start": "3"}, "week_start"),
    ({"name": "", "currency": "USD", "week_start": "6"}, "name"),
])
def test_bad_organization_settings_are_422_and_change_nothing(client, factory, db, data, field):
    w = factory.world()
    login(client, w.owner)
    response = client.post(f"/organizations/{w.org.id}/settings", data=data)
    assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True)
    db.session.refresh(w.org)
    assert (w.org.name, w.org.currency, w.org.week_start) == ("Acme", "EUR", 0)


def test_owners_set_name_currency_and_week_start(client, factory, db):
    w = factory.world()
    login(client, w.admin)
    assert client.post(f"/organizations/{w.org.id}/settings", data={"name": "X"}).status_code == 403
    client.post("/logout")
    login(client, w.owner)
    data = {"name": "Acme Ltd", "currency": "usd", "week_start": "6"}
    assert client.post(f"/organizations/{w.org.id}/settings", data=data).status_code == 303
    db.session.refresh(w.org)
    assert (w.org.name, w.org.currency, w.org.week_start) == ("Acme Ltd", "USD", 6)
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organization.update"))
    assert entry.details == {"name": ["Acme", "Acme Ltd"], "currency": ["EUR", "USD"], "week_start": [0, 6]}


def test_deleting_an_organization_needs_its_name_and_runs_as_a_job(client, factory, db, run_jobs, redis_conn):
    w = factory.world()
    org_id, other_id, member_id = w.org.id, w.other_org.id, w.member.id
    redis_conn.set(f"timeboard:dashboard-cache:dashboard:org:{org_id}:org_summary", "{}")
    login(client, w.admin)
    assert client.post(f"/organizations/{org_id}/delete", data={"confirm_name": "Acme"}).status_code == 403
    client.post("/logout")
    login(client, w.owner)
    response = client.post(f"/organizations/{org_id}/delete", data={"confirm_name": "acme"})
    assert response.status_code == 422 and "not the organization" in response.get_data(as_text=True)
    assert db.session.get(Organization, org_id) is not None
    response = client.post(f"/organizations/{org_id}/delete", data={"confirm_name": "Acme"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    client.post("/logout")
    run_jobs(["maintenance"])
    db.session.remove()
    assert db.session.get(Organization, org_id) is None
    assert db.session.scalar(select(func.count()).select_from(TimeLog).where(TimeLog.organization_id == org_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Membership)
                             .where(Membership.organization_id == org_id)) == 0
    assert db.session.get(User, member_id) is not None  # people stay: only the organization's data goes
    assert db.session.get(Organization, other_id) is not None
    assert not redis_conn.exists(f"timeboard:dashboard-cache:dashboard:org:{org_id}:org_summary")
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organization.delete"))
    assert entry.organization_id is None and "Acme" in entry.target
    from app.models import JobStatus
    status = db.session.scalar(select(JobStatus).where(JobStatus.kind == "organization_deletion"))
    assert status.status == "completed" and status.progress == 100


def test_the_audit_trail_is_for_owners_and_admins_paginated_and_filterable(client, factory, db):
    w = factory.world()
    from app.organizations import audit
    for i in range(55):
        audit.record("team.create", organization=w.org, actor=w.owner, target=f"T{i}")
    audit.record("member.remove", organization=w.org, actor=w.admin, target="someone@example.com")
    audit.record("team.create", organization=w.other_org, actor=w.outsider, target="Elsewhere")
    db.session.commit()
    for actor, status in (("member", 403), ("manager", 403), ("outsider", 404)):
        login(client, getattr(w, actor))
        assert client.get(f"/organizations/{w.org.id}/audit").status_code == status
        client.post("/logout")
    login(client, w.admin)
    first = client.get(f"/organizations/{w.org.id}/audit").get_data(as_text=True)
    assert first.count('data-testid="audit-row"') == 50 and "Elsewhere" not in first and "Page 1 of 2" in first
    assert client.get(f"/organizations/{w.org.id}/audit?page=2").get_data(as_text=True).count(
        'data-testid="audit-row"') == 6
    by_action = client.get(f"/organizations/{w.org.id}/audit?action=member.remove").get_data(as_text=True)
    assert by_action.count('data-testid="audit-row"') == 1 and "someone@example.com" in by_action
    by_actor = client.get(f"/organizations/{w.org.id}/audit?actor={w.admin.id}").get_data(as_text=True)
    assert by_actor.count('data-testid="audit-row"') == 1
    assert client.get(f"/organizations/{w.org.id}/audit?action=bogus&page=x").status_code == 200


def test_without_the_job_queue_deletion_changes_nothing_and_invitations_stand(client, factory, db, monkeypatch):
    from app.background import enqueue as enqueue_module
    from app.models import Invitation

    def unavailable(*args, **kwargs):
        raise enqueue_module.EnqueueError("Redis is unavailable: test")

    w = factory.world()
    login(client, w.owner)
    monkeypatch.setattr(enqueue_module, "_enqueue_new", unavailable)
    response = client.post(f"/organizations/{w.org.id}/delete", data={"confirm_name": "Acme"})
    assert response.status_code == 503 and "nothing was deleted" in response.get_data(as_text=True)
    assert db.session.get(Organization, w.org.id) is not None
    assert db.session.scalar(select(AuditEntry)) is None
    response = client.post(f"/organizations/{w.org.id}/invitations", data={"email": "x@example.com", "role": "member"},
                           follow_redirects=True)
    assert response.status_code == 200 and "could not be queued" in response.get_data(as_text=True)
    assert db.session.scalar(select(Invitation)).email == "x@example.com"
