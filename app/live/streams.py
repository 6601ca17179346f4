"""Broadcasting, the one home: render a partial into a Turbo Stream and push it to a topic; and the
/turbo-stream socket through which pages receive them.

Pushes go through the relay (app/live/publisher.py: Redis pub/sub to every web process's sockets). Sockets
subscribe to *topics* (app/live/topics.py: "dashboard:org:42", "jobs:user:7"); each topic is checked
against the policies when the socket opens, so a stream reaches only users allowed to see it,
whatever the browser sends.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, current_app, g, has_app_context, has_request_context, render_template, request
from flask_login import current_user
from flask_sock import ConnectionClosed, Sock
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.live.publisher import close_socket, turbo
from app.live.stream_url import stream_url
from app.live.topics import Topic, UserTopic, can_receive
from app.models import User
from app.web.origins import stream_origin_allowed

log = logging.getLogger(__name__)

SESSION_RECHECK_SECONDS = 30  # an open socket re-checks its session this often (besides revoke_user messages)

bp = Blueprint("streams", __name__)
sock = Sock()


@bp.before_request
def _only_our_pages():
    """Refuse the handshake (403, before the upgrade) from a page of another origin: the socket would
    carry the visitor's session cookie, so another site could read their streams (cross-site WebSocket hijacking).
    With STREAM_URL set the gateway holds the sockets: this route answers 404, so that nobody can take
    the web process's threads with sockets it is not meant to hold."""
    if current_app.config["STREAM_URL"]:
        abort(404)
    if not stream_origin_allowed():
        abort(403, "This stream only serves the app's own pages.")


@bp.app_template_global()
def socket_topics(page_topics: Iterable[Topic]) -> list[str]:
    """The topic names a page's socket asks for: the signed-in user's own (the header timer), then the page's."""
    own = [UserTopic(current_user.id)] if current_user.is_authenticated else []
    return [str(topic) for topic in [*own, *page_topics]]


@bp.app_template_global("stream_url")
def _stream_url() -> str | None:
    """<meta name="stream-url">: where the page's socket connects when not here (a stream gateway)."""
    return stream_url()


@sock.route("/turbo-stream", bp=bp)
def turbo_stream(ws):
    """One socket per page; the page names its topics in ?topic=...; each is checked by policy."""
    requested = request.args.getlist("topic")
    allowed = [t for t in requested if current_user.is_authenticated and can_receive(current_user, t)]
    user_id, token = (current_user.id, current_user.get_id()) if current_user.is_authenticated else (None, None)
    db.session.remove()  # a socket lives long: do not hold a database connection for it
    if not allowed:
        ws.close(reason=1008, message="not allowed")
        return
    turbo.subscribe(ws, allowed, user_id=user_id)  # a sign-out from now on closes it (revoke_user)
    try:
        ws.send(turbo.status_stream())  # "live", or paused while this process's relay has lost Redis
        checked = None
        while True:  # the session is checked again now (a sign-out may have just passed), then every 30 s
            if checked is None or time.monotonic() - checked >= SESSION_RECHECK_SECONDS:
                if not _session_still_valid(token):
                    close_socket(ws, "signed out")
                    break
                checked = time.monotonic()
            ws.receive(timeout=SESSION_RECHECK_SECONDS)  # anything the browser sends is ignored
    except (BrokenPipeError, ConnectionClosed, OSError):
        pass
    finally:
        turbo.unsubscribe(ws)


def _session_still_valid(token: str) -> bool:
    """Has the session this socket opened with been revoked since? (A database outage keeps the
    socket: the revocation message on Redis still closes it.)"""
    try:
        return User.from_session_token(token) is not None
    except SQLAlchemyError as exc:
        log.warning("could not re-check a socket's session: %s", exc)
        return True
    finally:
        db.session.remove()


@contextmanager
def streaming_context() -> Iterator[None]:
    """Where streams are rendered: away from the request being handled, since a stream goes to other
    people. A fresh app context (its own `g`, so no signed-in user and no `g.streaming` left behind) and a
    blank request (no session: no CSRF token, no acting user's time zone). Partials omit per-session bits
    when g.streaming is set (see helpers.csrf_field); their forms post with the page's meta token.
    Several streams rendered inside one `with streaming_context():` share it (a job's section and progress)."""
    if has_app_context() and g.get("streaming"):
        yield
        return
    with current_app.app_context(), current_app.test_request_context("/"):
        g.streaming = True
        yield


def render_stream(action: str, target: str, template: str, **context) -> str:
    """Render a partial into a turbo-stream, the same way whoever triggers it, in a request or a job."""
    with streaming_context():
        html = render_template(template, **context)
        return getattr(turbo, action)(html, target)


def refresh_stream() -> str:
    """A Turbo 8 page refresh: every page that receives it fetches itself again, as its own viewer (so it
    shows per-viewer figures that no broadcast could carry), and morphs in what changed when its
    <meta name="turbo-refresh-method"> says so. Turbo debounces a burst of them into one fetch, and
    ignores the one a page's own request caused (the request-id it sent), as that page renders anyway."""
    request_id = request.headers.get("X-Turbo-Request-Id") if has_request_context() else None
    attribute = f' request-id="{escape(request_id)}"' if request_id else ""
    return f'<turbo-stream action="refresh"{attribute}></turbo-stream>'


def broadcast(topics: Topic | Iterable[Topic], action: str, target: str, template: str, **context) -> None:
    """Render a partial and push it to everyone subscribed to the topic(s): the one broadcast helper."""
    turbo.push(render_stream(action, target, template, **context), to=topics)


def broadcast_stream(topics: Topic | Iterable[Topic], stream: str) -> None:
    """Push an already-built stream (several actions joined) to the topic(s)."""
    turbo.push(stream, to=topics)
