"""Where a form or a page may send a person back to: a page of this site, never another's (no open redirect)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def local_path(target: str | None) -> str | None:
    """The path (and query) of `target` (a form's `next`, a Referer) if it is a page of this site, else None."""
    target = target or ""
    parts = urlsplit(target)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = (parts.path or "") + (f"?{parts.query}" if parts.query else "")
    if not target or not path.startswith("/") or path.startswith("//") or "\\" in path or not path.isprintable():
        return None  # browsers read /\evil and /<tab>/evil as //evil
    return path
