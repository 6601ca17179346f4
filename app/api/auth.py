"""Who is calling: the bearer token of the request (tokens only: a session cookie authenticates nothing here).

A missing, unknown, revoked or expired token is a 401 with `WWW-Authenticate: Bearer`; a read token asking to
write is a 403 (insufficient_scope). The token is looked up once per request (the rate limit keys on it too)."""
from __future__ import annotations

from flask import request

from app.accounts import access_tokens
from app.api.problems import ApiError
from app.models import AccessToken, User

REALM = 'Bearer realm="timeboard"'
READ_METHODS = ("GET", "HEAD", "OPTIONS")
_MISSING = object()
_ENVIRON_KEY = "timeboard.api_token"


def bearer_value() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_token() -> AccessToken | None:
    token = request.environ.get(_ENVIRON_KEY, _MISSING)  # per request (g may outlive one: an app context)
    if token is _MISSING:
        token = access_tokens.authenticate(bearer_value())
        request.environ[_ENVIRON_KEY] = token
    return token


def require_token() -> AccessToken:
    token = current_token()
    if token is None:
        if bearer_value() is None:
            raise ApiError(401, "Send a personal access token: Authorization: Bearer <token>.",
                           headers={"WWW-Authenticate": REALM})
        raise ApiError(401, "This token is unknown, revoked or expired.",
                       headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    if request.method not in READ_METHODS and not token.can_write:
        raise ApiError(403, "This token has the read scope: it cannot change anything.",
                       headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="write"'})
    return token


def api_user() -> User:
    return require_token().user


def rate_limit_key() -> str:
    """Flask-Limiter's key: the token's id; requests without a valid token count per client address."""
    token = current_token()
    return f"api-token:{token.id}" if token is not None else f"api-anonymous:{request.remote_addr}"
