"""A job's arguments as JSON, so that its JobStatus row can rebuild the job when Redis lost it.

    row.arguments = arguments.encode(args)     # None when an argument has no JSON form (the job is not rebuilt)
    args = arguments.decode(row.arguments)

JSON values (None, booleans, numbers, strings, lists, dicts with string keys) are kept as they are; a tuple
becomes a list. The few objects a job takes are dataclasses registered here by dotted path (the e-mail of a
send_email job): only those are rebuilt, never an arbitrary class named by the stored data.
"""
from __future__ import annotations

import dataclasses

from werkzeug.utils import import_string

TAG = "__dataclass__"
DATACLASSES = {"app.notifications.mail.Outgoing"}  # dotted paths of the dataclasses a job may take


class Unencodable(ValueError):
    """An argument with no JSON form here."""


def encode(args) -> list | None:
    """The arguments as a JSON-ready list, or None when one of them cannot be stored."""
    try:
        return [_encode(a) for a in args]
    except Unencodable:
        return None


def _encode(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value) or TAG in value:
            raise Unencodable(value)
        return {k: _encode(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        path = f"{type(value).__module__}.{type(value).__qualname__}"
        if path not in DATACLASSES:
            raise Unencodable(path)
        return {TAG: path, "fields": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise Unencodable(type(value).__name__)


def decode(stored: list) -> tuple:
    return tuple(_decode(v) for v in stored)


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if TAG in value:
            if value[TAG] not in DATACLASSES:
                raise Unencodable(value[TAG])
            cls = import_string(value[TAG])
            return cls(**{k: _decode(v) for k, v in value["fields"].items()})
        return {k: _decode(v) for k, v in value.items()}
    return value
