"""Stream sockets as a browser opens them: a signed session cookie, a WebSocket to a gateway (the only process
that holds sockets), and reading what arrives."""
from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

LIVE = 'target="stream-status"'


def session_cookie(app, user_id: int) -> str:
    """The session cookie a signed-in browser sends, made the way Flask makes it."""
    from app.extensions import db
    from app.models import User

    token = db.session.get(User, user_id).get_id()
    return signed_cookie(app, {"_user_id": token, "_fresh": True})


def signed_cookie(app, data: dict) -> str:
    value = app.session_interface.get_signing_serializer(app).dumps(data)
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def open_socket(port: int, cookie: str, *topics: str, origin: str | None = None, since: str | None = None,
                **options) -> ClientConnection:
    """A socket on the topics; `since`: the offset a page resumes from (app/live/history.py)."""
    query = "&".join([f"topic={quote(topic)}" for topic in topics] + ([f"since={quote(since)}"] if since else []))
    return connect(f"ws://127.0.0.1:{port}/turbo-stream?{query}", additional_headers={"Cookie": cookie},
                   origin=origin, open_timeout=10, legacy=True, **options)  # legacy: a plain connection object


def first(ws: ClientConnection, needle: str, timeout: float = 10) -> str | None:
    """The first message containing `needle`; None if none came in time or the socket closed."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            message = ws.recv(timeout=max(0.05, deadline - time.time()))
        except (TimeoutError, ConnectionClosed):
            return None
        if needle in message:
            return message
    return None


def received(ws: ClientConnection, timeout: float) -> list[str]:
    """Every message that arrives within `timeout` seconds."""
    messages, deadline = [], time.time() + timeout
    while time.time() < deadline:
        try:
            messages.append(ws.recv(timeout=max(0.05, deadline - time.time())))
        except (TimeoutError, ConnectionClosed):
            break
    return messages


def close_code(ws: ClientConnection, timeout: float = 10) -> int | None:
    """Read until the server closes the socket; its close code (None: cut without a close frame). Fails
    the test if the socket is still open after `timeout`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            ws.recv(timeout=max(0.05, deadline - time.time()))
        except TimeoutError:
            break
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    pytest.fail("the gateway did not close the socket")
