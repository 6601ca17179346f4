"""Who is behind a gateway socket and what they may receive: the one place of these checks.

The gateway reads the signed session cookie the web process sets (same SECRET_KEY, same serializer,
same maximum age), takes Flask-Login's "<id>:<session_version>" token from it, and asks
User.from_session_token (a revoked session names nobody) and app.live.topics.can_receive (the one policy)
about every topic. The functions that read the database are called in worker threads
(asyncio.to_thread), each in its own app context whose database session is removed afterwards, so
the event loop never waits on SQL and no socket holds a database connection.
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie

from app.extensions import db
from app.live.topics import can_receive
from app.models import User
from app.models.user import SESSION_TOKEN
from app.web.origins import normalize_origin


def session_token(app: Flask, cookie_header: str | None) -> str | None:
    """The session token in the handshake's Cookie header; None when there is no session cookie, or it is
    forged, expired or signed out (pure CPU: an HMAC check, no database)."""
    value = parse_cookie(cookie_header or "").get(app.config["SESSION_COOKIE_NAME"])
    if not value:
        return None
    serializer = app.session_interface.get_signing_serializer(app)
    try:  # the same max_age as Flask's own SecureCookieSessionInterface.open_session
        data = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()))
    except BadSignature:
        return None
    token = data.get("_user_id") if isinstance(data, dict) else None
    return token if isinstance(token, str) and SESSION_TOKEN.fullmatch(token) else None


def user_id_of(token: str) -> int:
    """The user id a well-formed session token names (session_token() only returns well-formed ones)."""
    return int(token.split(":", 1)[0])


def allowed_topics(app: Flask, token: str, topics: Iterable[str]) -> list[str] | None:
    """The topics this session may receive, in the order asked; None when the session is revoked (or its
    user deleted). Reads the database: call it in a worker thread. SQLAlchemy errors propagate."""
    return recheck(app, [(token, tuple(topics))])[0]


def recheck(app: Flask, subscriptions: list[tuple[str, tuple[str, ...]]]) -> list[list[str] | None]:
    """allowed_topics() for many sockets in one app context (the gateway's periodic sweep); each user
    and each (user, topic) answer is looked up once per call."""
    with app.app_context():
        try:
            users: dict[str, User | None] = {}
            answers: dict[tuple[str, str], bool] = {}
            results: list[list[str] | None] = []
            for token, topics in subscriptions:
                if token not in users:
                    users[token] = User.from_session_token(token)
                user = users[token]
                if user is None:
                    results.append(None)
                    continue
                for topic in topics:
                    if (token, topic) not in answers:
                        answers[token, topic] = can_receive(user, topic)
                results.append([topic for topic in topics if answers[token, topic]])
            return results
        finally:
            db.session.remove()


def origin_allowed(origin: str | None, host: str | None, allowed: list[str], any_port: bool = False) -> bool:
    """May a page of this Origin open a socket here? As for our pages' requests (app/web/origins.py): the origin
    the handshake was sent to (a proxy forwarding one site's /turbo-stream here, with its Host), or one
    of ALLOWED_ORIGINS. With `any_port` (GATEWAY_SAME_HOST_ANY_PORT, which bin/dev and the tests turn
    on: pages on one port, the gateway on another) any port of that host name too; never by default,
    since another application on the same host but another port would then read the visitor's streams
    (its pages are same-site: the session cookie goes along). No Origin at all is not a browser, so no
    page of another site is behind it; "null" (a sandboxed page) is refused."""
    if origin is None:
        return True
    normalized = normalize_origin(origin)
    if normalized in allowed:
        return True
    try:
        page, ours = urlsplit(normalized), urlsplit("//" + (host or "").strip().lower())
    except ValueError:
        return False
    if page.scheme not in ("http", "https") or page.hostname is None:
        return False
    return page.netloc == ours.netloc or (any_port and page.hostname == ours.hostname)
