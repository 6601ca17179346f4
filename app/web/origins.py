"""Is this request from one of our own pages? The one place that reads Origin and Sec-Fetch-Site.

Browsers send `Origin` on every WebSocket handshake and on every POST, and `Sec-Fetch-Site`
("same-origin", "same-site", "cross-site" or "none": typed or bookmarked) on every request; a
page of another site cannot forge either. Our own origin is the request's host: the scheme is
left out because behind a TLS proxy the app sees http while the browser says https (an attacker
on http://<our host> already owns the connection).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request


def normalize_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def normalize_origins(raw: str) -> list[str]:
    """ALLOWED_ORIGINS as configured: "https://a.example, https://b.example/" -> both, normalized."""
    return [normalize_origin(origin) for origin in raw.split(",") if origin.strip()]


def is_own_origin(origin: str) -> bool:
    """True when `origin` ("https://host:port") names the host this request was sent to, or is one of
    ALLOWED_ORIGINS (our pages' public origin behind a proxy that rewrites Host)."""
    normalized = normalize_origin(origin)
    if normalized in current_app.config.get("ALLOWED_ORIGINS", []):
        return True
    try:
        parts = urlsplit(normalized)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc == request.host.lower()


def foreign_origin() -> str | None:
    """The request's Origin header when it names another site (or "null"); None when absent or ours."""
    origin = request.headers.get("Origin")
    if origin is None or is_own_origin(origin):
        return None
    return origin


def is_cross_site() -> bool:
    """The browser says another site (or another origin of our site) made this request."""
    return request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site") or foreign_origin() is not None


def is_same_origin() -> bool:
    """The browser vouches that one of our own pages made this request."""
    return request.headers.get("Sec-Fetch-Site") == "same-origin" or (
        request.headers.get("Origin") is not None and foreign_origin() is None)

