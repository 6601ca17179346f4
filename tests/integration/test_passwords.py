"""Passwords: werkzeug's current default method for every account, one hash per seeding run, old hashes upgraded
on the next successful sign-in, and an unknown e-mail costs the same hash check as a wrong password."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app import passwords
from app.models import Membership, User
from tests.conftest import login

CURRENT = generate_password_hash("x").split("$", 1)[0]  # what werkzeug makes today, e.g. scrypt:32768:8:1


@pytest.fixture()
def hash_checks(monkeypatch):
    """Every stored hash a password was checked against, in order (a spy on werkzeug's check)."""
    checked: list[str] = []

    def spy(stored_hash: str, password: str) -> bool:
        checked.append(stored_hash)
        return check_password_hash(stored_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", spy)
    return checked


def test_a_new_password_is_hashed_with_werkzeugs_current_default(factory, db):
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


@pytest.mark.parametrize("stored", ["unknown e-mail", "pbkdf2:sha256:60000", "empty", "current"])
def test_every_failed_sign_in_lasts_at_least_the_same_floor(app_ctx, factory, stored):
    """A lower bound, not a timing measurement: a cheaper check (an old pbkdf2 hash, no hash at all)
    must not answer sooner than an unknown e-mail's dummy scrypt check."""
    import time

    from app.accounts.sessions import FAILED_SIGN_IN_SECONDS, authenticate

    email = "nobody@acme.test"
    if stored != "unknown e-mail":
        if stored == "current":
            user = factory.user()
        else:
            user = factory.user(password_hash="" if stored == "empty" else generate_password_hash("x", method=stored))
        email = user.email
    started = time.monotonic()
    assert authenticate(email, "wrong") is None
    assert time.monotonic() - started >= FAILED_SIGN_IN_SECONDS


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
