"""Where a page's stream socket connects: config STREAM_URL, resolved for the request being answered.

    unset                       this web process's own /turbo-stream (no <meta name="stream-url">)
    /turbo-stream               a path on the page's own origin (e.g. a proxy routing it to the gateways)
    :5100/turbo-stream          the page's host name, that port (bin/dev: the gateway beside the web process)
    wss://streams.example.com/turbo-stream    as it is

The page names the result, always an absolute ws(s):// URL, in <meta name="stream-url">; the
stream-source controller connects there, and the CSP's connect-src allows its origin (app/web/security.py).
The session cookie reaches it: cookies are per host name, not per port.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request


def stream_url() -> str | None:
    """The absolute ws(s):// URL this page's socket opens, or None for the web process's own /turbo-stream."""
    configured = current_app.config.get("STREAM_URL", "")
    if not configured:
        return None
    if configured.startswith(("ws://", "wss://")):
        return configured
    secure = request.is_secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"
    scheme = "wss" if secure else "ws"
    if configured.startswith("/"):
        return f"{scheme}://{request.host}{configured}"
    hostname = urlsplit(f"//{request.host}").hostname or "localhost"
    return f"{scheme}://{f'[{hostname}]' if ':' in hostname else hostname}{configured}"


def stream_origin() -> str | None:
    """The origin of stream_url() ("ws://127.0.0.1:5100"), for the CSP's connect-src."""
    url = stream_url()
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
