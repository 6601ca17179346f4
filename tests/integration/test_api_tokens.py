"""Personal access tokens on the API: only a hash is stored, revoked or expired -> 401, read scope -> 403 on
writes, a session cookie authenticates nothing, creation and revocation are audited."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from app.accounts import access_tokens
from app.models import AccessToken, AuditEntry, utcnow
from tests.api import Api
from tests.conftest import login


def test_only_the_tokens_hash_is_stored(db, factory):
    w = factory.world()
    token, raw = access_tokens.create_token(w.member, "laptop", "read")
    assert raw.startswith("tb_") and len(raw) == 3 + 43
    stored = db.session.get(AccessToken, token.id)
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    rows = db.session.execute(select(AccessToken.__table__)).mappings().all()
    assert all(raw not in str(value) for row in rows for value in row.values())


def test_a_token_authenticates_as_its_user_and_notes_its_use(db, factory, api):
    w = factory.world()
    client = api(w.member, "read")
    response = client.get("/me")
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == w.member.email and body["token_scope"] == "read"
    assert body["organizations"] == [{"id": w.org.id, "role": "member"}]
    token = db.session.scalar(select(AccessToken).where(AccessToken.user_id == w.member.id))
    assert token.last_used_at is not None


def test_no_token_or_a_bad_one_is_401_with_www_authenticate(db, factory, client):
    factory.world()
    anonymous = Api(client, None)
    response = anonymous.get("/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="timeboard"'
    bad = anonymous.get("/me", token="tb_" + "x" * 43)
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]
    assert bad.get_json()["detail"] == "This token is unknown, revoked or expired."


def test_revoking_a_token_makes_the_next_request_401(db, factory, api):
    w = factory.world()
    client = api(w.member)
    assert client.get("/me").status_code == 200
    token = db.session.scalar(select(AccessToken).where(AccessToken.user_id == w.member.id))
    access_tokens.revoke_token(token)
    assert client.get("/me").status_code == 401


def test_an_expired_token_is_401(db, factory, api):
    w = factory.world()
    client = api(w.member, expires_days=1)
    assert client.get("/me").status_code == 200
    token = db.session.scalar(select(AccessToken).where(AccessToken.user_id == w.member.id))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/me").status_code == 401


def test_a_read_token_cannot_write(db, factory, api):
    w = factory.world()
    client = api(w.member, "read")
    response = client.post("/timer/start", json={"project_id": w.alpha_project.id})
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert w.member.running_timer is None
    assert client.get("/timer").status_code == 200


def test_a_session_cookie_authenticates_nothing(db, factory, client):
    w = factory.world()
    login(client, w.member)
    response = Api(client, None).get("/me")
    assert response.status_code == 401


def test_creation_and_revocation_are_audited_in_the_users_organizations(db, factory):
    w = factory.world()
    token, _raw = access_tokens.create_token(w.member, "ci", "write", 30)
    access_tokens.revoke_token(token, actor=w.member)
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.organization_id, e.actor_id, e.target) for e in entries] == [
        ("token.create", w.org.id, w.member.id, w.member.email),
        ("token.revoke", w.org.id, w.member.id, w.member.email),
    ]
    assert entries[0].details["name"] == "ci" and entries[0].details["scope"] == "write"
