"""Passwords: scrypt at N=2^17 (OWASP's minimum) for every account (cheaper in tests, except where the production
parameters are proved), one hash per seeding run, weaker hashes upgraded on the next successful sign-in, and every
failed sign-in costs one check with the current method (an unknown e-mail, an old or empty hash alike)."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app import passwords
from app.models import Membership, User
from tests.conftest import login

CURRENT = passwords.TEST_METHOD  # what the test configuration hashes with (APP_ENV=test)


@pytest.fixture()
def hash_checks(monkeypatch):
    """Every stored hash a password was checked against, in order (a spy on werkzeug's check)."""
    checked: list[str] = []

    def spy(stored_hash: str, password: str) -> bool:
        checked.append(stored_hash)
        return check_password_hash(stored_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", spy)
    return checked


def test_a_new_password_is_hashed_with_the_configured_method(factory, db):
    user = factory.user()
    user.set_password("correct horse")
    db.session.commit()
    assert user.password_hash.startswith(CURRENT + "$")
    assert not passwords.needs_rehash(user.password_hash)
    assert user.check_password("correct horse") and not user.check_password("Correct horse")


def test_an_unknown_email_is_checked_against_the_dummy_hash_like_a_wrong_password(client, factory, hash_checks):
    w = factory.world()
    assert client.post("/login", data={"email": w.member.email, "password": "wrong"}).status_code == 422
    assert hash_checks == [w.member.password_hash]
    assert client.post("/login", data={"email": "nobody@acme.test", "password": "wrong"}).status_code == 422
    assert hash_checks[1:] == [passwords.dummy_hash()], "an unknown e-mail skipped the hash check"
    assert passwords.dummy_hash().split("$", 1)[0] == CURRENT  # the same cost as a real account's check


@pytest.mark.parametrize("stored", ["unknown e-mail", "pbkdf2:sha256:60000", "scrypt:1024:8:1", "empty", "current"])
def test_every_failed_sign_in_costs_one_check_with_the_current_method(app_ctx, factory, hash_checks, stored):
    """The work, not a timing: an old (cheaper) or empty hash, or no account, costs exactly what a wrong password
    against a current hash costs (one check with the current method), so the timing tells none of them apart."""
    from app.accounts.sessions import authenticate

    email = "nobody@acme.test"
    if stored != "unknown e-mail":
        if stored == "current":
            user = factory.user()
        else:
            user = factory.user(password_hash="" if stored == "empty" else generate_password_hash("x", method=stored))
        email = user.email
    assert authenticate(email, "wrong") is None
    assert [h.split("$", 1)[0] for h in hash_checks].count(CURRENT) == 1, hash_checks


def test_a_weaker_hash_needs_a_rehash_and_a_stronger_one_is_left_alone(app_ctx):
    assert passwords.needs_rehash(generate_password_hash("x", method="pbkdf2:sha256:1000000"))
    assert passwords.needs_rehash(generate_password_hash("x", method="scrypt:2048:8:1"))
    assert passwords.needs_rehash("")
    assert not passwords.needs_rehash(generate_password_hash("x", method=CURRENT))
    assert not passwords.needs_rehash(generate_password_hash("x", method="scrypt:8192:8:1"))  # stronger: kept


def test_production_hashes_with_scrypt_at_n_2_17_and_upgrades_werkzeugs_old_default(monkeypatch, db):
    """The production parameters themselves (the test configuration uses cheaper ones): a new password, and a
    hash made with werkzeug's former default (scrypt at N=2^15) upgraded on the next successful sign-in."""
    from app import create_app
    monkeypatch.setenv("SECRET_KEY", "a production secret")
    monkeypatch.setenv("APP_URL", "https://timeboard.example.com")
    production = create_app({"APP_ENV": "production", "WTF_CSRF_ENABLED": False})
    assert production.config["PASSWORD_HASH_METHOD"] == passwords.PRODUCTION_METHOD == "scrypt:131072:8:1"
    with production.app_context():
        made = passwords.hash_password("correct horse")
        assert made.startswith("scrypt:131072:8:1$") and passwords.verify(made, "correct horse")
        user = User(email="veteran@example.com", name="Veteran",
                    password_hash=generate_password_hash("password", method="scrypt:32768:8:1"))
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        assert passwords.needs_rehash(user.password_hash)
    client = production.test_client()
    response = client.post("/login", base_url="https://localhost",
                           data={"email": "veteran@example.com", "password": "password"})
    assert response.status_code == 303
    db.session.expire_all()
    upgraded = db.session.get(User, user_id).password_hash
    assert upgraded.startswith("scrypt:131072:8:1$") and check_password_hash(upgraded, "password")


@pytest.mark.parametrize("old_method", ["pbkdf2:sha256:60000", "pbkdf2:sha256:1000000"])
def test_an_old_hash_is_upgraded_on_the_next_successful_sign_in_only(client, factory, db, old_method):
    user = factory.user(password_hash=generate_password_hash("password", method=old_method))
    old_hash = user.password_hash
    assert client.post("/login", data={"email": user.email, "password": "wrong"}).status_code == 422
    db.session.expire_all()
    assert user.password_hash == old_hash  # a failed attempt changes nothing
    login(client, user)
    db.session.expire_all()
    assert user.password_hash.startswith(CURRENT + "$") and check_password_hash(user.password_hash, "password")
    assert user.session_version == 0  # an upgrade is not a password change: nobody is signed out
    assert client.get("/time-logs").status_code == 200


def test_a_current_hash_is_left_alone_on_sign_in(client, factory, db):
    user = factory.user()
    before = user.password_hash
    login(client, user)
    db.session.expire_all()
    assert user.password_hash == before


def test_bulk_seeding_hashes_once_per_run_with_the_current_method(app_ctx, db, monkeypatch):
    from app import seeding
    hashed: list[str] = []
    real = passwords.hash_password
    monkeypatch.setattr(passwords, "hash_password", lambda *args, **kw: hashed.append(args[0]) or real(*args, **kw))
    result = seeding.seed(orgs=2, users_per_org=6, days=2, seed=7)
    assert len(hashed) == 1, "seeding hashed more than once"
    digests = set(db.session.scalars(select(User.password_hash)))
    assert len(digests) == 1 and db.session.scalar(select(User.id).limit(1)) is not None
    digest = digests.pop()
    assert digest.startswith(CURRENT + "$") and check_password_hash(digest, "password")
    assert result.known_password == "password"


def test_the_demo_shares_one_current_hash_between_its_accounts(app_ctx, db):
    from app import seeding
    seeding.create_demo()
    accounts = db.session.scalars(select(User).where(User.email.in_(
        ["admin@example.com", "owner@example.com", "member@example.com"]))).all()
    assert len(accounts) == 3 and len({a.password_hash for a in accounts}) == 1
    assert accounts[0].password_hash.startswith(CURRENT + "$") and accounts[0].check_password("password")
    assert db.session.scalar(select(Membership.id).limit(1)) is not None
