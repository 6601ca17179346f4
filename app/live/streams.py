"""Broadcasting, the one home: render a partial into a Turbo Stream and push it to a topic.

Pushes go through the publisher (app/live/publisher.py: Redis pub/sub) to the stream gateways
(app/live/gateway/), the only processes that hold the pages' sockets. Sockets subscribe to *topics*
(app/live/topics.py: "dashboard:org:42", "jobs:user:7"); the gateway checks each against the policies when
the socket opens and again while it stays open, so a stream reaches only users allowed to see it, whatever
the browser sends.

Pages speak their reader's language (app/i18n.py), and a stream goes to many readers: a page not in English
subscribes to its topics' language variants (topics.in_language), and broadcast_stream() renders a partial once
per language someone watches, English always (as every broadcast did before languages: a page about to open its
socket resumes from history).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import redis
from flask import Blueprint, current_app, g, has_app_context, has_request_context, render_template, request
from flask_babel import force_locale
from flask_login import current_user
from markupsafe import escape

from app import i18n
from app.live import presence
from app.live.history import current_offset
from app.live.presence import mark_watched
from app.live.publisher import turbo
from app.live.stream_url import stream_url
from app.live.topics import Topic, UserTopic, in_language
from app.redis_client import get_redis

log = logging.getLogger(__name__)

bp = Blueprint("streams", __name__)  # template globals only: the sockets are the gateway's (app/live/gateway/)


@bp.app_template_global()
def socket_topics(page_topics: Iterable[Topic]) -> list[str]:
    """The topic names a page's socket asks for: the signed-in user's own (the header timer), then the page's.
    They count as watched from now on (app/live/presence.py): a job that changes what this page shows before its
    socket opens then still publishes, and the socket's resume replays it (app/live/history.py)."""
    own = [UserTopic(current_user.id)] if current_user.is_authenticated else []
    language = i18n.page_language()
    names = [in_language(topic, language) for topic in [*own, *page_topics]]
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
    Several streams rendered inside one `with streaming_context():` share it (a job's section and progress).
    It speaks the language broadcast_stream() is rendering for; outside a broadcast (a page's own catch-up, a
    request's answer) the request's, else English."""
    language = _rendering_language.get() or (i18n.page_language() if has_request_context() else i18n.DEFAULT)
    if has_app_context() and g.get("streaming"):
        with force_locale(language):
            yield
        return
    with current_app.app_context(), current_app.test_request_context("/"), force_locale(language):
        g.streaming = True
        yield


_rendering_language: ContextVar[str | None] = ContextVar("rendering_language", default=None)


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
    """Render a partial and push it to everyone subscribed to the topic(s), each page in its language: the one
    broadcast helper."""
    broadcast_stream(topics, lambda: render_stream(action, target, template, **context))


def broadcast_stream(topics: Topic | Iterable[Topic], stream: str | Callable[[], str], *,
                     languages: dict[str, set[str]] | None = None, pipe=None, english: bool = True) -> None:
    """Push a stream to the topic(s). A string (a remove, a refresh: no words in it) goes as it is to the pages of
    every language; a function that renders one (several actions joined) is called once per language the topics
    are watched in, English always, and each rendering goes to the pages of its language.

    A caller that pushes several times in a row (a dashboard job, once per section) may pass what it knows:
    `languages`, presence's answer ({topic name: its languages}, app/live/presence.py) instead of asking it here,
    and `pipe`, a Redis pipeline of its own that the pushes join (it executes it, and meets its errors). With
    `english` False, only the languages given get the stream (what a caller sends again to a page that opened in
    another language after it had rendered)."""
    names = [str(topics)] if isinstance(topics, str) or not isinstance(topics, Iterable) else [str(t) for t in topics]
    watched_in = presence.languages(names) if languages is None else languages
    by_language: dict[str, list[str]] = {i18n.DEFAULT: names} if english else {}
    for name in names:
        for language in watched_in.get(name, ()):
            if language != i18n.DEFAULT:
                by_language.setdefault(language, []).append(in_language(name, language))
    if isinstance(stream, str):
        turbo.push(stream, to=[name for variants in by_language.values() for name in variants], pipe=pipe)
        return
    for language, variants in by_language.items():
        token = _rendering_language.set(language)
        try:
            rendered = stream()
        finally:
            _rendering_language.reset(token)
        turbo.push(rendered, to=variants, pipe=pipe)
