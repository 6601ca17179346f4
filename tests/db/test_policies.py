"""Who sees and changes what: every role against every kind of record, from one table.

Roles come from factory.world(): a system admin, the owner, admin, manager (of team Alpha) and member
(of team Alpha) of Acme, and the owner of another organization (the outsider).
"""
from __future__ import annotations

import pytest

from app import policies
from app.live import topics
from app.models import Client, Organization, Project, Team, TimeLog, User
from tests.conftest import login

ROLES = ["sysadmin", "owner", "admin", "manager", "member", "outsider"]

# record -> {role: "" (hidden) | "v" (view) | "ve" (view and edit)}
TABLE = {
    "org":           dict(sysadmin="ve", owner="ve", admin="ve", manager="v",  member="v",  outsider=""),
    "alpha":         dict(sysadmin="ve", owner="ve", admin="ve", manager="v",  member="v",  outsider=""),
    "beta":          dict(sysadmin="ve", owner="ve", admin="ve", manager="",   member="",   outsider=""),
    "alpha_project": dict(sysadmin="ve", owner="ve", admin="ve", manager="ve", member="v",  outsider=""),
    "beta_project":  dict(sysadmin="ve", owner="ve", admin="ve", manager="",   member="",   outsider=""),
    "org_project":   dict(sysadmin="ve", owner="ve", admin="ve", manager="v",  member="v",  outsider=""),
    "client":        dict(sysadmin="ve", owner="ve", admin="ve", manager="ve", member="",   outsider=""),
    "member_log":    dict(sysadmin="ve", owner="ve", admin="ve", manager="v",  member="ve", outsider=""),
    "beta_log":      dict(sysadmin="ve", owner="ve", admin="ve", manager="",   member="",   outsider=""),
    "other_log":     dict(sysadmin="ve", owner="",   admin="",   manager="",   member="",   outsider="ve"),
    "member_user":   dict(sysadmin="ve", owner="v",  admin="v",  manager="v",  member="v",  outsider=""),
}
CASES = [(record, role, TABLE[record][role]) for record in TABLE for role in ROLES]

# The page that shows (or edits) each kind of record, and whether it is an edit page.
PAGES = {
    Organization: ("/organizations/{id}", False), Team: ("/teams/{id}", False),
    Project: ("/projects/{id}/edit", True), Client: ("/clients/{id}/edit", True),
    TimeLog: ("/time-logs/{id}/edit", True),
}


def _record(w, name):
    return w.member if name == "member_user" else getattr(w, name)


@pytest.mark.parametrize("record_name, role, rights", CASES)
def test_policy_table_view_and_edit(factory, record_name, role, rights):
    w = factory.world()
    user, record = getattr(w, role), _record(w, record_name)
    assert policies.can_view(user, record) == ("v" in rights)
    assert policies.can_edit(user, record) == ("e" in rights)


@pytest.mark.parametrize("record_name, role, rights", [c for c in CASES if c[0] != "member_user"])
def test_policy_table_holds_for_real_requests(client, factory, record_name, role, rights):
    """Hidden records answer 404, visible but not editable ones 403 on edit pages, the rest 200."""
    w = factory.world()
    record = _record(w, record_name)
    path, is_edit = PAGES[type(record)]
    login(client, getattr(w, role))
    expected = 404 if "v" not in rights else (403 if is_edit and "e" not in rights else 200)
    assert client.get(path.format(id=record.id)).status_code == expected


SCOPES = {
    Organization: policies.organization_scope, Team: policies.team_scope, Project: policies.project_scope,
    Client: policies.client_scope, TimeLog: policies.time_log_scope,
}


@pytest.mark.parametrize("role", ROLES + ["beta_member"])
@pytest.mark.parametrize("model", list(SCOPES), ids=lambda m: m.__name__)
def test_listing_scopes_agree_with_can_view(factory, role, model):
    """What a user may list is exactly what they may open: nothing leaks through a listing."""
    w = factory.world()
    user = getattr(w, role)
    listed = {r.id for r in factory.db.session.scalars(SCOPES[model](user))}
    everything = factory.db.session.scalars(SCOPES[model](w.sysadmin)).all()
    assert listed == {r.id for r in everything if policies.can_view(user, r)}
    if role == "outsider":
        assert all(getattr(r, "organization_id", getattr(r, "id", None)) == w.other_org.id
                   for r in factory.db.session.scalars(SCOPES[model](user)))


def test_authorize_and_load_abort_404_for_hidden_and_403_for_read_only(app_ctx, factory):
    from werkzeug.exceptions import Forbidden, NotFound

    w = factory.world()
    with pytest.raises(NotFound):
        policies.load(w.outsider, Project, w.alpha_project.id)
    with pytest.raises(NotFound):
        policies.load(w.member, Project, "not-a-number")
    with pytest.raises(Forbidden):
        policies.load(w.member, Project, w.alpha_project.id, "edit")
    assert policies.load(w.manager, Project, str(w.alpha_project.id), "edit") == w.alpha_project


@pytest.mark.parametrize("role, kind, target, allowed", [
    ("owner", "org", "org", True), ("admin", "org", "org", True), ("manager", "org", "org", False),
    ("member", "org", "org", False), ("outsider", "org", "org", False), ("sysadmin", "org", "org", True),
    ("manager", "team", "alpha", True), ("manager", "team", "beta", False), ("member", "team", "alpha", False),
    ("owner", "team", "beta", True), ("outsider", "team", "alpha", False),
    ("member", "user", "member", True), ("manager", "user", "member", False),
])
def test_dashboard_visibility(factory, role, kind, target, allowed):
    w = factory.world()
    record = getattr(w, target)
    assert policies.can_view_dashboard(getattr(w, role), kind, record.id) == allowed


@pytest.mark.parametrize("role, topic, allowed", [
    ("member", "user:{member}", True), ("manager", "user:{member}", False),
    ("owner", "dashboard:org:{org}", True), ("outsider", "dashboard:org:{org}", False),
    ("member", "dashboard:org:{org}", False), ("manager", "dashboard:team:{alpha}", True),
    ("member", "dashboard:system", False), ("sysadmin", "dashboard:system", True),
    ("member", "jobs:all", False), ("member", "jobs:user:{member}", True), ("member", "jobs:user:{owner}", False),
    ("member", "dashboard:org:abc", False), ("member", "nonsense", False), ("member", "user:", False),
    ("owner", "dashboard:org:0{org}", False),  # allowed, but nothing is published under that spelling
])
def test_stream_topics_are_policy_checked(factory, role, topic, allowed):
    w = factory.world()
    ids = {"member": w.member.id, "owner": w.owner.id, "org": w.org.id, "alpha": w.alpha.id}
    assert topics.can_receive(getattr(w, role), topic.format(**ids)) == allowed


def test_user_records_visible_only_within_shared_organizations(factory):
    w = factory.world()
    assert policies.can_view(w.member, w.member) and policies.can_view(w.member, w.owner)
    assert not policies.can_view(w.outsider, w.member) and not policies.can_view(w.member, w.outsider)
    assert not policies.can_edit(w.owner, w.member)
    assert isinstance(w.member, User)
