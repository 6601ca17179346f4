"""Weak ETags on every successful GET, computed from the representation, and 304 for a matching If-None-Match."""
from __future__ import annotations

import hashlib

from flask import Response, request


def etag_for(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def apply(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.direct_passthrough:
        return response
    tag = etag_for(response.get_data())
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"  # a cache may keep it, and must ask again
    response.vary.add("Authorization")
    if request.if_none_match.contains_weak(tag):
        not_modified = Response(status=304)
        for name in ("ETag", "Cache-Control", "Vary"):
            not_modified.headers[name] = response.headers[name]
        return not_modified
    return response
