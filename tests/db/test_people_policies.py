"""The policy table of issue 11's actions: every role, every action, and the last-owner rules."""
from __future__ import annotations

import pytest

from app import policies
from app.models import Role

ORG_ACTIONS = {
    # action:          owner, admin, manager, member, outsider, system admin
    "invite":          (True, True, False, False, False, True),
    "manage_members":  (True, True, False, False, False, True),
    "manage_teams":    (True, True, False, False, False, True),
    "view_audit":      (True, True, False, False, False, True),
    "edit_settings":   (True, False, False, False, False, True),
    "delete":          (True, False, False, False, False, True),
}
ACTORS = ("owner", "admin", "manager", "member", "outsider", "sysadmin")


@pytest.fixture()
def w(factory):
    return factory.world()


@pytest.mark.parametrize("action", sorted(ORG_ACTIONS))
def test_organization_actions_by_role(w, action):
    got = tuple(policies.can_org(getattr(w, actor), action, w.org.id) for actor in ACTORS)
    assert got == ORG_ACTIONS[action]


def test_unknown_action_is_refused(w):
    assert not policies.can_org(w.owner, "launch_rockets", w.org.id)


def test_invitable_roles(w):
    assert policies.invitable_roles(w.owner, w.org.id) == [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MEMBER]
    assert policies.invitable_roles(w.admin, w.org.id) == [Role.ADMIN, Role.MANAGER, Role.MEMBER]
    for actor in (w.manager, w.member, w.outsider):
        assert policies.invitable_roles(actor, w.org.id) == []


def _m(w, user):
    return w.org.membership_of(user.id)


# (actor, target, new role) -> allowed
ROLE_CHANGES = [
    ("owner", "admin", Role.MEMBER, True),
    ("owner", "member", Role.OWNER, True),
    ("owner", "owner", Role.ADMIN, False),  # the last owner: never demoted
    ("admin", "member", Role.MANAGER, True),
    ("admin", "member", Role.ADMIN, True),
    ("admin", "member", Role.OWNER, False),  # an admin cannot make owners
    ("admin", "owner", Role.MEMBER, False),  # nor touch them
    ("manager", "member", Role.MANAGER, False),
    ("member", "member", Role.ADMIN, False),
    ("outsider", "member", Role.ADMIN, False),
    ("sysadmin", "member", Role.OWNER, True),
]


@pytest.mark.parametrize(("actor", "target", "role", "allowed"), ROLE_CHANGES)
def test_role_changes(w, actor, target, role, allowed):
    assert policies.can_change_role(getattr(w, actor), w.org, _m(w, getattr(w, target)), role) is allowed


REMOVALS = [
    ("owner", "admin", True),
    ("owner", "member", True),
    ("owner", "owner", False),  # the last owner cannot leave
    ("admin", "member", True),
    ("admin", "manager", True),
    ("admin", "owner", False),
    ("admin", "admin", True),  # leaving
    ("manager", "member", False),
    ("member", "manager", False),
    ("member", "member", True),  # leaving
    ("outsider", "member", False),
    ("sysadmin", "member", True),
]


@pytest.mark.parametrize(("actor", "target", "allowed"), REMOVALS)
def test_removals(w, actor, target, allowed):
    assert policies.can_remove_member(getattr(w, actor), w.org, _m(w, getattr(w, target))) is allowed


def test_with_a_second_owner_an_owner_may_leave_be_demoted_and_removed(w, factory, db):
    second = factory.user(w.org, Role.OWNER)
    assert policies.can_remove_member(w.owner, w.org, _m(w, w.owner))
    assert policies.can_change_role(second, w.org, _m(w, w.owner), Role.MEMBER)
    assert policies.can_remove_member(second, w.org, _m(w, w.owner))
    assert not policies.can_remove_member(w.admin, w.org, _m(w, w.owner))  # still not by an admin


def test_a_removed_membership_grants_nothing(w, db):
    w.org.remove_member(w.member)
    db.session.commit()
    membership = w.org.membership_of(w.member.id, include_removed=True)
    assert membership is not None and membership.removed_at is not None  # the row stays, for the time logs
    assert w.member.membership_in(w.org.id) is None
    assert policies.role_in(w.member, w.org.id) is None
    assert not policies.can_view(w.member, w.org)
    assert not policies.can_view(w.member, w.alpha_project)
    assert not policies.can_view_dashboard(w.member, "team", w.alpha.id)
    assert w.org.id not in policies.organization_ids(w.member)
    assert db.session.get(type(w.member_log), w.member_log.id) is not None  # their log stays
    assert not policies.can_remove_member(w.owner, w.org, membership)  # already gone
    # re-adding reactivates the same row (their earlier logs are theirs again)
    again = w.org.add_member(w.member, Role.MANAGER)
    db.session.commit()
    assert again.id == membership.id and again.removed_at is None and again.role == Role.MANAGER
    assert policies.role_in(w.member, w.org.id) == Role.MANAGER


def test_topics_of_a_removed_member_are_refused(w, db):
    from app.live.topics import can_receive

    w.org.remove_member(w.admin)
    db.session.commit()
    assert not can_receive(w.admin, f"dashboard:org:{w.org.id}")
    assert can_receive(w.owner, f"dashboard:org:{w.org.id}")


def test_authorize_org_404s_for_another_organization_and_403s_a_lesser_role(w, app):
    from werkzeug.exceptions import Forbidden, NotFound

    with pytest.raises(NotFound):
        policies.authorize_org(w.outsider, "invite", w.org.id)
    with pytest.raises(Forbidden):
        policies.authorize_org(w.member, "invite", w.org.id)
    with pytest.raises(Forbidden):
        policies.authorize_org(w.admin, "delete", w.org.id)
    assert policies.authorize_org(w.owner, "delete", w.org.id) == w.org
