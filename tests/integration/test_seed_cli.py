"""`flask seed` in production: refused (exit code 2) unless forced, and then no account gets a known password,
nor is any password printed."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.models import User

SMALL = ["seed", "--orgs", "1", "--users-per-org", "3", "--days", "2"]


@pytest.fixture()
def production_app(monkeypatch, db):
    """The CLI runs with the current app context: this one's, not the test app's, while the test runs."""
    from app import create_app
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test")
    monkeypatch.setenv("APP_URL", "https://timeboard.example")  # required in production too
    app = create_app({"APP_ENV": "production"})
    with app.app_context():
        yield app


def _users(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_bulk_seeding_is_refused_in_production(production_app, db):
    result = production_app.test_cli_runner().invoke(args=SMALL)
    assert result.exit_code == 2, result.output
    assert "APP_ENV=production" in result.output and "--force-production" in result.output
    assert _users(db) == 0


def test_forced_bulk_seeding_in_production_gives_random_passwords_that_are_never_printed(production_app, db):
    result = production_app.test_cli_runner().invoke(args=[*SMALL, "--force-production"])
    assert result.exit_code == 0, result.output
    assert _users(db) == 3
    digest = db.session.scalar(select(User.password_hash).limit(1))
    assert not check_password_hash(digest, "password")
    assert "'password'" not in result.output and "random password" in result.output
    assert re.search(r"[A-Za-z0-9_-]{20,}", result.output) is None, "something like a password was printed"


def test_demo_stays_development_only_even_when_forced(production_app, db):
    result = production_app.test_cli_runner().invoke(args=["seed", "--demo", "--force-production"])
    assert result.exit_code == 2 and _users(db) == 0


def test_bulk_seeding_outside_production_still_says_the_password(app, db):
    result = app.test_cli_runner().invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "password is 'password'" in result.output
    digest = db.session.scalar(select(User.password_hash).limit(1))
    assert check_password_hash(digest, "password")
