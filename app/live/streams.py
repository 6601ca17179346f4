"""Broadcasting, the one home: render a partial into a Turbo Stream and push it to a topic.

Pushes go through the publisher (app/live/publisher.py: Redis pub/sub) to the stream gateways
(app/live/gateway/), the only processes that hold the pages' sockets. Sockets subscribe to *topics*
(app/live/topics.py: "dashboard:org:42", "jobs:user:7"); the gateway checks each against the policies when
the socket opens and again while it stays open, so a stream reaches only users allowed to see it, whatever
the browser sends.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import redis
from flask import Blueprint, current_app, g, has_app_context, has_request_context, render_template, request
from flask_login import current_user
from markupsafe import escape

from app.live.history import current_offset
from app.live.presence import mark_watched
from app.live.publisher import turbo
from app.live.stream_url import stream_url
from app.live.topics import Topic, UserTopic
from app.redis_client import get_redis

log = logging.getLogger(__name__)

bp = Blueprint("streams", __name__)  # template globals only: the sockets are the gateway's (app/live/gateway/)


@bp.app_template_global()
def socket_topics(page_topics: Iterable[Topic]) -> list[str]:
    """The topic names a page's socket asks for: the signed-in user's own (the header timer), then the page's.
    They count as watched from now on (app/live/presence.py): a job that changes what this page shows before its
    socket opens then still publishes, and the socket's resume replays it (app/live/history.py)."""
    own = [UserTopic(current_user.id)] if current_user.is_authenticated else []
    names = [str(topic) for topic in [*own, *page_topics]]
    if names:
        try:
            mark_watched(names)
        except redis.RedisError as exc:  # no presence: jobs may skip this page until its socket opens
            log.debug("could not mark presence: %s", exc)
    return names


@bp.before_app_request
def _take_stream_offset() -> None:
    """The offset a page is current to, taken before its view reads anything (see app/live/history.py)."""
    if request.method == "GET" and request.endpoint != "static" and request.blueprint != "api":
        try:
            g.stream_offset = current_offset(get_redis())
        except redis.RedisError:
            g.stream_offset = None  # no offset: the page's socket refreshes it when it (re)connects


@bp.app_template_global()
def stream_offset() -> str | None:
    """<meta name="stream-offset">: `<epoch>:<id>`, what the page's socket resumes from."""
    return g.get("stream_offset")


@bp.app_template_global("stream_url")
def _stream_url() -> str | None:
    """<meta name="stream-url">: where the page's socket connects when not same-origin /turbo-stream."""
    return stream_url()


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
