"""`flask tokens create | list | revoke`: personal access tokens for the REST API, from the command line.

`create` prints the token once, alone on its last line (scripts take `tail -n 1`). A bad e-mail, scope, expiry
or id is a one-line message on stderr and exit code 2.
"""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
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
    click.echo(_("Error: %(message)s", message=message), err=True)
    sys.exit(2)


def _user(email: str) -> User:
    if contains_nul(email):
        _fail(_("--user: the address contains a NUL character."))
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None:
        _fail(_("--user: no user with the e-mail %(email)s.", email=repr(email)))
    return user


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else _("never")


@tokens_group.command("create")
@click.option("--user", "email", required=True, help="The token's user, by e-mail.")
@click.option("--name", required=True, help="What the token is for (shown in the list).")
@click.option("--scope", default="read", show_default=True, help="read (GET only) or write.")
@click.option("--expires", "expires", default=None, help="Days until it expires (default: never).")
def create_command(email, name, scope, expires):
    """Create a token; it is printed once, on the last line, and never again."""
    user = _user(email)
    if contains_nul(name):
        _fail(_("--name: the name contains a NUL character."))
    if scope not in ("read", "write"):
        _fail(_("--scope: choose read or write, not %(value)s.", value=repr(scope)))
    days = None
    if expires is not None:
        if not expires.isdigit():
            _fail(_("--expires: give a number of days, not %(value)s.", value=repr(expires)))
        days = int(expires)
    try:
        token, raw = access_tokens.create_token(user, name, scope, days)
    except access_tokens.TokenError as exc:
        _fail("; ".join(f"--{field}: {message}" for field, message in exc.errors.items()))
    click.echo(_("Created token %(id)s %(name)s for %(email)s (scope %(scope)s, expires %(expires)s). It is shown "
                 "this once:", id=token.id, name=repr(token.name), email=user.email, scope=token.scope,
                 expires=_when(token.expires_at)))
    click.echo(raw)


@tokens_group.command("list")
@click.option("--user", "email", required=True, help="Whose tokens, by e-mail.")
def list_command(email):
    """A user's tokens: id, name, scope, state, last use, expiry."""
    user = _user(email)
    tokens = access_tokens.tokens_of(user)
    if not tokens:
        click.echo(_("%(email)s has no tokens.", email=user.email))
        return
    now = utcnow()
    for token in tokens:
        state = _("revoked") if token.revoked_at else (_("expired") if not token.is_usable(now) else _("active"))
        click.echo("\t".join([str(token.id), token.name, token.scope, state,
                              _("last used %(when)s", when=_when(token.last_used_at)),
                              _("expires %(when)s", when=_when(token.expires_at)), f"{token.hint}…"]))


@tokens_group.command("revoke")
@click.argument("token_id")
def revoke_command(token_id):
    """Revoke a token by id: the next request with it answers 401."""
    if not token_id.isdigit() or len(token_id) > 18:
        _fail(_("ID: give a token's number, not %(value)s.", value=repr(token_id)))
    token = db.session.get(AccessToken, int(token_id))
    if token is None:
        _fail(_("no token %(id)s.", id=token_id))
    if access_tokens.revoke_token(token):
        click.echo(_("Revoked token %(id)s %(name)s of %(email)s.", id=token.id, name=repr(token.name),
                     email=token.user.email))
    else:
        click.echo(_("Token %(id)s %(name)s was already revoked.", id=token.id, name=repr(token.name)))
