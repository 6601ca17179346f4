"""`flask tokens create | list | revoke`: personal access tokens for the REST API, from the command line.

`create` prints the token once, alone on its last line (scripts take `tail -n 1`). A bad e-mail, scope, expiry
or id is a one-line message on stderr and exit code 2.
"""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.accounts import access_tokens
from app.extensions import db
from app.models import AccessToken, User
from app.timezones import utcnow
from app.web.input_guard import contains_nul


@click.group("tokens", cls=AppGroup)
def tokens_group():
    """Personal access tokens for the REST API (/api/v1)."""


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _user(email: str) -> User:
    if contains_nul(email):
        _fail("--user: the address contains a NUL character.")
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None:
        _fail(f"--user: no user with the e-mail {email!r}.")
    return user


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@tokens_group.command("create")
@click.option("--user", "email", required=True, help="The token's user, by e-mail.")
@click.option("--name", required=True, help="What the token is for (shown in the list).")
@click.option("--scope", default="read", show_default=True, help="read (GET only) or write.")
@click.option("--expires", "expires", default=None, help="Days until it expires (default: never).")
def create_command(email, name, scope, expires):
    """Create a token; it is printed once, on the last line, and never again."""
    user = _user(email)
    if contains_nul(name):
        _fail("--name: the name contains a NUL character.")
    if scope not in ("read", "write"):
        _fail(f"--scope: choose read or write, not {scope!r}.")
    days = None
    if expires is not None:
        if not expires.isdigit():
            _fail(f"--expires: give a number of days, not {expires!r}.")
        days = int(expires)
    try:
        token, raw = access_tokens.create_token(user, name, scope, days)
    except access_tokens.TokenError as exc:
        _fail("; ".join(f"--{field}: {message}" for field, message in exc.errors.items()))
    click.echo(f"Created token {token.id} {token.name!r} for {user.email} (scope {token.scope}, expires "
               f"{_when(token.expires_at)}). It is shown this once:")
    click.echo(raw)


@tokens_group.command("list")
@click.option("--user", "email", required=True, help="Whose tokens, by e-mail.")
def list_command(email):
    """A user's tokens: id, name, scope, state, last use, expiry."""
    user = _user(email)
    tokens = access_tokens.tokens_of(user)
    if not tokens:
        click.echo(f"{user.email} has no tokens.")
        return
    now = utcnow()
    for token in tokens:
        state = "revoked" if token.revoked_at else ("expired" if not token.is_usable(now) else "active")
        click.echo(f"{token.id}\t{token.name}\t{token.scope}\t{state}\tlast used {_when(token.last_used_at)}\t"
                   f"expires {_when(token.expires_at)}\t{token.hint}…")


@tokens_group.command("revoke")
@click.argument("token_id")
def revoke_command(token_id):
    """Revoke a token by id: the next request with it answers 401."""
    if not token_id.isdigit() or len(token_id) > 18:
        _fail(f"ID: give a token's number, not {token_id!r}.")
    token = db.session.get(AccessToken, int(token_id))
    if token is None:
        _fail(f"no token {token_id}.")
    if access_tokens.revoke_token(token):
        click.echo(f"Revoked token {token.id} {token.name!r} of {token.user.email}.")
    else:
        click.echo(f"Token {token.id} {token.name!r} was already revoked.")
