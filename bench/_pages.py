"""Page TTFB: GET /dashboard/... from a real gunicorn web process with a signed-in session, the cache warm; and the
same GET from a web process whose Redis is unreachable, where the app's fallback computes the dashboard in the
request (the synchronous page).

Time to first byte = from sending the request to having read the status line and headers (http.client's
getresponse(); the body follows at once: pages are not streamed), on one keep-alive connection, sequentially.
"""
from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

PATHS = {"user": "/dashboard", "team": "/dashboard/team/{id}", "org": "/dashboard/org/{id}",
         "system": "/dashboard/system"}


def dashboard_path(key) -> str:
    return PATHS[key.kind].format(id=key.id)


def fill_cache(keys) -> None:
    """One recompute of each dashboard in this process (marked watched first, or the job body skips it), so the
    pages answer from a warm cache."""
    from app.dashboards.recompute import recompute
    from app.extensions import db
    from app.live import presence

    presence.mark_watched(keys)
    for key in keys:
        recompute(key)
    db.session.remove()


def ttfb_samples(base: str, path: str, cookie: str, requests: int, warmup: int = 5, expect: str = "") -> list[float]:
    """Seconds to first byte of `requests` GETs of `path` (after `warmup` unmeasured ones); each page must be a 200
    and contain `expect`."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    samples = []
    try:
        for i in range(warmup + requests):
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            first_byte = time.perf_counter() - started
            body = response.read()
            if response.status != 200 or expect.encode() not in body:
                raise RuntimeError(f"GET {path} answered {response.status} without {expect!r}: {body[:300]!r}")
            if i >= warmup:
                samples.append(first_byte)
    finally:
        conn.close()
    return samples
