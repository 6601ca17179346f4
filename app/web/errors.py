"""Every error answers with a page (or JSON for API callers), never a traceback."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from app.extensions import db
from app.web.local_paths import local_path

# Path prefixes whose errors another renderer answers ("/api/v1/" -> problem+json): for the errors no blueprint
# handler sees (no route matched, so no blueprint either). Filled by register_prefix() at start-up.
_PREFIX_RENDERERS: dict[str, Callable[[HTTPException], object]] = {}


# Werkzeug's own descriptions (what an abort() without one says), in the reader's language; word for word in English.
DEFAULT_DESCRIPTIONS = {
    400: _l("The browser (or proxy) sent a request that this server could not understand."),
    401: _l("The server could not verify that you are authorized to access the URL requested. You either supplied "
            "the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the "
            "credentials required."),
    403: _l("You don't have the permission to access the requested resource. It is either read-protected or not "
            "readable by the server."),
    404: _l("The requested URL was not found on the server. If you entered the URL manually please check your "
            "spelling and try again."),
    405: _l("The method is not allowed for the requested URL."),
    409: _l("A conflict happened while processing the request. The resource might have been modified while the "
            "request was being processed."),
    410: _l("The requested URL is no longer available on this server and there is no forwarding address. If you "
            "followed a link from a foreign page, please contact the author of this page."),
    413: _l("The data value transmitted exceeds the capacity limit."),
    415: _l("The server does not support the media type transmitted in the request."),
    422: _l("The request was well-formed but was unable to be followed due to semantic errors."),
    429: _l("This user has exceeded an allotted request count. Try again later."),
    500: _l("The server encountered an internal error and was unable to complete your request. Either the server is "
            "overloaded or there is an error in the application."),
    503: _l("The server is temporarily unable to service your request due to maintenance downtime or capacity "
            "problems. Please try again later."),
}


def _description(error: HTTPException) -> str:
    """The error's description; Werkzeug's default one in the reader's language."""
    code = error.code or 500
    default = default_exceptions.get(code)
    if code in DEFAULT_DESCRIPTIONS and default is not None and error.description == default.description:
        return str(DEFAULT_DESCRIPTIONS[code])
    return error.description


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
        return _render(400, _("Your form expired or was not sent from Timeboard. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if (answer := _prefix_renderer(error)) is not None:
            return answer
        if error.response is not None:  # an answer made for it already (abort(response), a limit's on_breach)
            return error.response
        return _render(error.code or 500, _description(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        if (answer := _prefix_renderer(InternalServerError())) is not None:
            return answer
        return _render(500, _("Something went wrong on our side. It has been logged."))


def _render(code: int, message: str):
    if _wants_json():
        return jsonify(error=message), code
    response = make_response(render_template("errors/error.html", code=code, message=message,
                                             came_from=_came_from()), code)
    response.headers["Cache-Control"] = "no-store"  # it answers one request, from one page (its way back)
    return response


def _came_from() -> str | None:
    """The page of ours the request came from (its Referer, on this host), for a way back to it: a form sent from a
    page that has changed since (a job someone else retried) answers with what went wrong, and the page, fresh, is one
    click away. None for another site's page, or this very URL."""
    path = local_path(request.referrer)
    return None if path is None or path == request.full_path.rstrip("?") else path
