"""Invitations end to end: the e-mail goes out through a real SMTP server (aiosmtpd) started here, by a real RQ
job; its link works once. And every link that cannot be used gets a clear page, never a 500."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Invitation, Membership, Role, TeamMembership, User, utcnow
from tests.conftest import login
from tests.mailbox import SMTPServer, links


@pytest.fixture()
def smtp(app):
    with SMTPServer() as server:
        saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            yield server
        finally:
            app.config.update(saved)


def _path(url: str) -> str:
    return urlsplit(url).path


def _invite(client, w, email="newcomer@example.com", role="member", teams=()):
    return client.post(f"/organizations/{w.org.id}/invitations",
                       data={"email": email, "role": role, "teams": [t.id for t in teams]})


def test_the_invitation_arrives_by_smtp_and_its_link_works_once(app, client, factory, db, smtp, run_jobs):
    w = factory.world()
    org_id, beta_id = w.org.id, w.beta.id  # (the in-process worker ends the test's session: keep ids, not rows)
    login(client, w.admin)
    response = _invite(client, w, email="  NewComer@Example.COM ", teams=[w.beta])
    assert response.status_code == 303
    client.post("/logout")
    run_jobs(["mail"])
    (message,) = smtp.wait_for(1)
    assert message["To"] == "newcomer@example.com" and "Acme" in message["Subject"]
    (link,) = links(message)

    page = client.get(_path(link))
    assert page.status_code == 200 and "Join Acme" in page.get_data(as_text=True)
    assert client.post(_path(link), data={"name": "New Comer", "password": "short"}).status_code == 422
    assert db.session.scalar(select(User).where(User.email == "newcomer@example.com")) is None
    response = client.post(_path(link), data={"name": "New Comer", "password": "a long passphrase"})
    assert response.status_code == 303 and response.headers["Location"] == f"/organizations/{org_id}"
    user = db.session.scalar(select(User).where(User.email == "newcomer@example.com"))
    assert user.name == "New Comer" and user.check_password("a long passphrase")
    assert user.membership_in(org_id).role == Role.MEMBER
    assert db.session.scalar(select(TeamMembership).where(TeamMembership.user_id == user.id)).team_id == beta_id
    assert client.get(f"/teams/{beta_id}").status_code == 200  # signed in, in the right team

    client.post("/logout")
    again = client.get(_path(link))
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert client.post(_path(link), data={"name": "X", "password": "another passphrase"}).status_code == 410
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.organization_id == org_id)))
    assert {"invitation.create", "invitation.accept"} <= actions


def test_an_existing_user_accepts_with_one_click_after_signing_in(client, factory, db, run_jobs):
    w = factory.world()
    login(client, w.owner)
    assert _invite(client, w, email=w.outsider.email, role="admin").status_code == 303
    invitation = db.session.scalar(select(Invitation))
    from app.organizations.invitations import link
    with client.application.test_request_context():
        path = _path(link(invitation))
    client.post("/logout")
    page = client.get(path).get_data(as_text=True)
    assert "Sign in to accept" in page
    login(client, w.outsider)
    assert 'data-testid="accept-invitation"' in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 303
    assert w.outsider.membership_in(w.org.id).role == Role.ADMIN
    assert w.outsider.membership_in(w.other_org.id).role == Role.OWNER  # still owner of their own


def test_someone_else_signed_in_cannot_accept(client, factory, db):
    w = factory.world()
    login(client, w.owner)
    _invite(client, w, email="someone@example.com")
    from app.organizations.invitations import link
    with client.application.test_request_context():
        path = _path(link(db.session.scalar(select(Invitation))))
    client.post("/logout")
    login(client, w.outsider)
    assert client.get(path).status_code == 403
    assert client.post(path).status_code == 403
    assert w.outsider.membership_in(w.org.id) is None


def _link_for(client, invitation):
    from app.organizations.invitations import link
    with client.application.test_request_context():
        return _path(link(invitation))


def test_unusable_links_get_clear_pages(client, factory, db):
    w = factory.world()
    login(client, w.owner)
    _invite(client, w, email="a@example.com")
    _invite(client, w, email="b@example.com")
    a, b = db.session.scalars(select(Invitation).order_by(Invitation.email)).all()
    old_a = _link_for(client, a)
    client.post(f"/invitations/{a.id}/resend")  # a new link: the old one no longer works
    db.session.refresh(a)
    new_a = _link_for(client, a)
    client.post(f"/invitations/{b.id}/revoke")
    client.post("/logout")
    assert client.get(old_a).status_code == 410 and "replaced" in client.get(old_a).get_data(as_text=True)
    assert client.get(new_a).status_code == 200
    revoked = client.get(_link_for(client, b))
    assert revoked.status_code == 410 and "withdrawn" in revoked.get_data(as_text=True)
    a.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "expired" in client.get(new_a).get_data(as_text=True)
    assert client.get("/invitations/accept/not-a-token").status_code == 404
    assert client.get(new_a[:-3] + "abc").status_code == 404  # tampered signature
    # a link for an address that is already a member
    c = Invitation(organization_id=w.org.id, email=w.member.email, role="member", team_ids=[])
    db.session.add(c)
    db.session.commit()
    member_link = client.get(_link_for(client, c))
    assert member_link.status_code == 410 and "already a member" in member_link.get_data(as_text=True)
    entries = [(e.action, e.target, e.actor_id) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.organization_id == w.org.id).order_by(AuditEntry.id))]
    assert entries == [("invitation.create", "a@example.com", w.owner.id),
                       ("invitation.create", "b@example.com", w.owner.id),
                       ("invitation.resend", "a@example.com", w.owner.id),
                       ("invitation.revoke", "b@example.com", w.owner.id)]


@pytest.mark.parametrize("email, role, status", [
    ("not an address", "member", 422), ("", "member", 422), ("x@example.com", "owner", 422),
    ("x@example.com", "wizard", 422), ("member@acme.test", "member", 422),
])
def test_bad_invitations_are_refused_inline_and_change_nothing(client, factory, db, email, role, status):
    w = factory.world()
    login(client, w.admin)
    response = _invite(client, w, email=email, role=role)
    assert response.status_code == status
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Invitation)) is None


def test_invitations_by_role_and_across_organizations(client, factory, db):
    w = factory.world()
    login(client, w.member)
    assert client.get(f"/organizations/{w.org.id}/invitations").status_code == 403
    assert _invite(client, w).status_code == 403
    client.post("/logout")
    login(client, w.outsider)
    assert client.get(f"/organizations/{w.org.id}/invitations").status_code == 404
    assert _invite(client, w).status_code == 404
    assert db.session.scalar(select(Invitation)) is None


def test_a_former_member_is_reinvited_and_gets_their_row_back(client, factory, db):
    w = factory.world()
    old = w.org.membership_of(w.member.id)
    w.org.remove_member(w.member)
    db.session.commit()
    login(client, w.owner)
    assert _invite(client, w, email=w.member.email, role="manager").status_code == 303
    path = _link_for(client, db.session.scalar(select(Invitation)))
    client.post("/logout")
    login(client, w.member)
    assert client.post(path).status_code == 303
    rows = db.session.scalars(select(Membership).where(Membership.user_id == w.member.id)).all()
    assert [(m.id, m.role, m.removed_at) for m in rows] == [(old.id, "manager", None)]


def test_invitation_sending_is_rate_limited(client, factory, db):
    w = factory.world()
    login(client, w.owner)
    statuses = [_invite(client, w, email=f"p{i}@example.com").status_code for i in range(21)]
    assert statuses[:20] == [303] * 20 and statuses[20] == 429
    assert len(db.session.scalars(select(Invitation)).all()) == 20


def test_people_posts_need_the_csrf_token(csrf_app, factory, db):
    import re

    w = factory.world()
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": w.owner.email, "password": "password", "csrf_token": token[1]})
    membership = w.org.membership_of(w.member.id)
    for path, data in [(f"/organizations/{w.org.id}/invitations", {"email": "x@example.com", "role": "member"}),
                       (f"/organizations/{w.org.id}/members/{membership.id}/role", {"role": "admin"}),
                       (f"/organizations/{w.org.id}/members/{membership.id}/remove", {}),
                       (f"/organizations/{w.org.id}/teams", {"name": "Sneaky"}),
                       (f"/organizations/{w.org.id}/delete", {"confirm_name": "Acme"}),
                       ("/organizations/new", {"name": "Sneaky"})]:
        assert client.post(path, data=data).status_code == 400, path
    db.session.refresh(membership)
    assert membership.role == Role.MEMBER and membership.removed_at is None
    assert db.session.scalar(select(Invitation)) is None
