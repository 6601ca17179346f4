"""`flask tokens create | list | revoke`: the token printed once on the last line, clear errors with exit code 2."""
from __future__ import annotations

from sqlalchemy import select

from app.models import AccessToken
from tests.api import Api


def run(app, *args):
    return app.test_cli_runner().invoke(args=["tokens", *args])


def test_create_prints_the_token_once_on_its_last_line_and_it_works(app, db, factory, client):
    w = factory.world()
    result = run(app, "create", "--user", w.member.email.upper(), "--name", "ci", "--scope", "write",
                 "--expires", "30")
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert raw.startswith("tb_") and " " not in raw
    assert result.output.count(raw) == 1
    token = db.session.scalar(select(AccessToken))
    assert (token.name, token.scope, token.user_id) == ("ci", "write", w.member.id) and token.expires_at
    assert Api(client, raw).get("/me").get_json()["email"] == w.member.email


def test_list_shows_the_tokens_without_the_secret(app, db, factory):
    w = factory.world()
    created = run(app, "create", "--user", w.member.email, "--name", "laptop")
    raw = created.output.strip().splitlines()[-1]
    result = run(app, "list", "--user", w.member.email)
    assert result.exit_code == 0
    assert "laptop" in result.output and "read" in result.output and "active" in result.output
    assert raw not in result.output


def test_revoke_makes_the_token_401(app, db, factory, client):
    w = factory.world()
    raw = run(app, "create", "--user", w.member.email, "--name", "x").output.strip().splitlines()[-1]
    token = db.session.scalar(select(AccessToken))
    result = run(app, "revoke", str(token.id))
    assert result.exit_code == 0 and "Revoked" in result.output
    assert Api(client, raw).get("/me").status_code == 401
    assert "revoked" in run(app, "list", "--user", w.member.email).output
    again = run(app, "revoke", str(token.id))
    assert again.exit_code == 0 and "already revoked" in again.output


def test_bad_input_is_a_clear_message_and_exit_code_2(app, db, factory):
    w = factory.world()
    cases = [
        (["create", "--user", "nobody@example.test", "--name", "x"], "no user with the e-mail"),
        (["create", "--user", w.member.email, "--name", "x", "--scope", "admin"], "--scope: choose read or write"),
        (["create", "--user", w.member.email, "--name", "x", "--expires", "soon"], "--expires: give a number"),
        (["create", "--user", w.member.email, "--name", "x", "--expires", "0"], "--expires: Expiry must be"),
        (["create", "--user", w.member.email, "--name", "  "], "--name: Give the token a name"),
        (["list", "--user", "nobody@example.test"], "no user with the e-mail"),
        (["revoke", "abc"], "give a token's number"),
        (["revoke", "999999"], "no token 999999"),
    ]
    for args, message in cases:
        result = run(app, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert db.session.scalar(select(AccessToken)) is None
