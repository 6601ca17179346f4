"""Every error answers with a page (or JSON for API callers), never a traceback."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

# Path prefixes whose errors another renderer answers ("/api/v1/" -> problem+json): for the errors no blueprint
# handler sees (no route matched, so no blueprint either). Filled by register_prefix() at start-up.
_PREFIX_RENDERERS: dict[str, Callable[[HTTPException], object]] = {}


def register_prefix(prefix: str, renderer: Callable[[HTTPException], object]) -> None:
    _PREFIX_RENDERERS[prefix] = renderer


def _prefix_renderer(error: HTTPException):
    for prefix, renderer in _PREFIX_RENDERERS.items():
        if request.path.startswith(prefix):
            return renderer(error)
    return None


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "Your form expired or was not sent from Timeboard. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if (answer := _prefix_renderer(error)) is not None:
            return answer
        if error.response is not None:  # an answer made for it already (abort(response), a limit's on_breach)
            return error.response
        return _render(error.code or 500, error.description)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        if (answer := _prefix_renderer(InternalServerError())) is not None:
            return answer
        return _render(500, "Something went wrong on our side. It has been logged.")


def _render(code: int, message: str):
    if _wants_json():
        return jsonify(error=message), code
    return render_template("errors/error.html", code=code, message=message), code
