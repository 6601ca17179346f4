"""Errors as RFC 9457 problem documents (application/problem+json): type, title, status, detail, and `errors`
({field: message}) for a 422. Every error of /api/v1 answers this way: never HTML, never a traceback."""
from __future__ import annotations

import json
import logging

from flask import Response
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
# The `type` of each problem: a section of the API's docs page that explains it.
SLUGS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
         409: "conflict", 413: "too-large", 415: "unsupported-media-type", 422: "validation", 429: "rate-limited",
         500: "server-error", 503: "unavailable"}


class ApiError(Exception):
    """Raised anywhere under /api/v1; rendered by problem()."""

    def __init__(self, status: int, detail: str, errors: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}


def problem_type(status: int) -> str:
    return f"/api/v1/docs#problem-{SLUGS.get(status, 'error')}"


def problem(status: int, detail: str, errors: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body = {"type": problem_type(status), "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = error.description or HTTP_STATUS_CODES.get(status, "Error")
    return problem(status, detail, headers=headers)


def from_unexpected(error: Exception) -> Response:
    log.exception("unhandled error in the API")
    return problem(500, "Something went wrong on our side. It has been logged.")
