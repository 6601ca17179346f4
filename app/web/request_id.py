"""The request id: one per request (a sane incoming X-Request-ID, else a new one), returned as X-Request-ID,
put on every log line of the request (app/observability/logs.py), stored by enqueue() with the jobs the request starts,
and put back in place by the job runner, so the job's log lines carry it too.

The current id lives in a context variable: a request sets it in before_request, the runner around a job.
"""
from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

import sentry_sdk
from flask import Flask, g, request

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")  # what a proxy's ids look like; anything else is replaced
_current: ContextVar[str | None] = ContextVar("request_id", default=None)
_job: ContextVar[str | None] = ContextVar("job_id", default=None)


def current() -> str | None:
    return _current.get()


def current_job() -> str | None:
    return _job.get()


def accept(raw: str | None) -> str:
    """The incoming id when it is sane (8 to 64 letters, digits, '.', '_', ':' or '-'), else a fresh one."""
    if raw and _SANE.fullmatch(raw):
        return raw
    return uuid.uuid4().hex


@contextmanager
def job_context(request_id: str | None, job_id: str | None):
    """Around a job: its log lines carry the id of the request that enqueued it, and its own id."""
    token, job_token = _current.set(request_id), _job.set(job_id)
    try:
        yield
    finally:
        _current.reset(token)
        _job.reset(job_token)


def register(app: Flask) -> None:
    @app.before_request
    def _assign():
        g.request_id = accept(request.headers.get(HEADER))
        g.request_id_token = _current.set(g.request_id)
        if sentry_sdk.get_client().is_active():
            sentry_sdk.set_tag("request_id", g.request_id)

    @app.after_request
    def _reply(response):
        if "request_id" in g:
            response.headers[HEADER] = g.request_id
        return response

    @app.teardown_request
    def _forget(exc=None):
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                _current.reset(token)
            except ValueError:  # set in another context (a streamed response): nothing to undo here
                _current.set(None)
