"""Refuse NUL bytes at the door, once for every view.

PostgreSQL text cannot hold "\\x00" (psycopg raises DataError, a 500), and no field of Timeboard has a
use for it. So a request whose path, query string, form (names or values) or JSON body carries one
answers 400 before any view, login included, sees it. A JSON body is scanned as bytes, for a raw
NUL or its escape \\u0000, never parsed here: parsing an attacker's deeply nested JSON would itself
fail (RecursionError, a 500). The CLI checks its arguments with the same `contains_nul()`.
"""
from __future__ import annotations

import re

from flask import Flask, abort, request
from flask_babel import gettext as _

NUL = "\x00"
JSON_NUL = re.compile(rb"\x00|\\u0000", re.IGNORECASE)  # a raw NUL, or JSON's escape of one
MESSAGE = "The request contains a NUL character (\\x00), which Timeboard does not accept."


def contains_nul(value) -> bool:
    """True when a string, or any key or value nested in a dict or list, holds a NUL byte."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(v) for v in value)
    return False


def _multidict_has_nul(values) -> bool:
    return any(NUL in key or any(NUL in v for v in items) for key, items in values.lists())


def request_has_nul() -> bool:
    if NUL in request.path or _multidict_has_nul(request.args):
        return True
    if request.is_json:
        return JSON_NUL.search(request.get_data(cache=True)) is not None
    return _multidict_has_nul(request.form)


def register(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_bytes():
        if request_has_nul():
            abort(400, _("The request contains a NUL character (\\x00), which Timeboard does not accept."))
