"""Other sites cannot drive Timeboard through a signed-in browser: rq-dashboard refuses cross-site and
unvouched state-changing requests (nothing changes in Redis), every cookie is SameSite=Lax (and Secure
in production), and /turbo-stream refuses a handshake from a foreign Origin before the upgrade."""
from __future__ import annotations

import base64
import os
import re
import socket
from urllib.parse import urlsplit

import pytest
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry

from tests.conftest import login
from tests.sockets import session_cookie

FOREIGN = "https://evil.example"
CROSS_SITE_HEADERS = [
    {"Sec-Fetch-Site": "cross-site", "Origin": FOREIGN},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://other.localhost"},
    {"Origin": FOREIGN},
    {"Origin": "null"},
    {},  # no browser vouches for it and no CSRF token: a state change is refused all the same
]


def fail_on_purpose():
    raise RuntimeError("failed on purpose")


@pytest.fixture()
def failed_job(redis_conn):
    """One failed job in the default queue's failed registry, by a real worker."""
    queue = Queue("default", connection=redis_conn)
    job = queue.enqueue(fail_on_purpose)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert job.get_status(refresh=True) == "failed"
    return job


@pytest.fixture()
def admin_client(client, factory):
    login(client, factory.world().sysadmin)
    return client


def failed_ids(redis_conn) -> list[str]:
    return FailedJobRegistry("default", connection=redis_conn).get_job_ids()


# -- rq-dashboard ---------------------------------------------------------------------------------
@pytest.mark.parametrize("headers", CROSS_SITE_HEADERS)
def test_a_cross_site_requeue_get_is_refused_and_requeues_nothing(admin_client, failed_job, redis_conn, headers):
    response = admin_client.get("/admin/rq/requeue/default", headers=headers)
    assert response.status_code == 403
    assert failed_ids(redis_conn) == [failed_job.id]
    assert Queue("default", connection=redis_conn).count == 0


@pytest.mark.parametrize("headers", CROSS_SITE_HEADERS)
def test_a_cross_site_post_is_refused_and_empties_nothing(admin_client, failed_job, redis_conn, headers):
    for path in ("queue/default/failed/empty", "requeue/default", f"job/{failed_job.id}/delete",
                 f"job/{failed_job.id}/requeue"):
        assert admin_client.post(f"/admin/rq/{path}", headers=headers).status_code == 403, path
    assert failed_ids(redis_conn) == [failed_job.id]
    assert redis_conn.exists(failed_job.key)


@pytest.mark.parametrize("headers, status", [
    ({"Sec-Fetch-Site": "cross-site"}, 403), ({"Origin": FOREIGN}, 403),
    ({"Sec-Fetch-Site": "none"}, 200),  # typed in the address bar
    ({"Sec-Fetch-Site": "same-origin"}, 200),  # the dashboard's own pages
])
def test_a_cross_site_read_is_refused_too(admin_client, headers, status):
    assert admin_client.get("/admin/rq/0/data/queues.json", headers=headers).status_code == status


def test_its_own_pages_requeue_and_empty_as_before(admin_client, failed_job, redis_conn):
    """rq-dashboard's jQuery calls: the browser sends Sec-Fetch-Site: same-origin (and Origin on a POST)."""
    response = admin_client.get("/admin/rq/requeue/default", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200 and response.get_json() == {"status": "OK", "count": 1}
    assert failed_ids(redis_conn) == [] and Queue("default", connection=redis_conn).count == 1

    SimpleWorker([Queue("default", connection=redis_conn)], connection=redis_conn).work(burst=True)
    assert failed_ids(redis_conn) == [failed_job.id]
    response = admin_client.post("/admin/rq/queue/default/failed/empty",
                                 headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"})
    assert response.status_code == 200 and failed_ids(redis_conn) == []


def test_a_post_with_our_csrf_token_is_accepted(csrf_app, factory, failed_job, redis_conn):
    """No browser headers at all (an older browser, a script): our CSRF token vouches instead."""
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    user = factory.world().sysadmin
    client.post("/login", data={"email": user.email, "password": "password", "csrf_token": token})
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/jobs").get_data(as_text=True))[1]
    assert client.post("/admin/rq/queue/default/failed/empty", headers={"X-CSRFToken": "forged"}).status_code == 403
    assert failed_ids(redis_conn) == [failed_job.id]
    response = client.post("/admin/rq/queue/default/failed/empty", headers={"X-CSRFToken": meta})
    assert response.status_code == 200 and failed_ids(redis_conn) == []


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)[1]


# -- cookies --------------------------------------------------------------------------------------
def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _sign_in_remembered(client, user, **kwargs):
    response = client.post("/login", data={"email": user.email, "password": "password", "remember_me": "y"}, **kwargs)
    assert response.status_code == 303
    return _set_cookies(response)


def test_session_and_remember_cookies_are_samesite_lax_and_httponly(client, factory):
    cookies = _sign_in_remembered(client, factory.world().sysadmin)
    assert {"session", "remember_token"} <= set(cookies)
    for name in ("session", "remember_token"):
        assert "SameSite=Lax" in cookies[name], cookies[name]
        assert "HttpOnly" in cookies[name], cookies[name]
        assert "Secure" not in cookies[name]  # development and tests run on plain http


def test_in_production_every_cookie_is_secure(factory, monkeypatch):
    from app import create_app
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test")
    monkeypatch.setenv("APP_URL", "https://timeboard.example")  # required in production too
    production = create_app({"APP_ENV": "production", "WTF_CSRF_ENABLED": False})
    client = production.test_client()
    cookies = _sign_in_remembered(client, factory.world().sysadmin, base_url="https://timeboard.example")
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]


# -- the stream socket ----------------------------------------------------------------------------
def handshake_status(base: str, path: str, headers: dict[str, str]) -> int:
    """The HTTP status a raw WebSocket handshake gets (101 = upgraded)."""
    url = urlsplit(base)
    request = [f"GET {path} HTTP/1.1", f"Host: {url.netloc}", "Upgrade: websocket", "Connection: Upgrade",
               f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}", "Sec-WebSocket-Version: 13",
               *(f"{name}: {value}" for name, value in headers.items()), "", ""]
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall("\r\n".join(request).encode())
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    return int(head.split(b" ", 2)[1])


def test_the_stream_refuses_a_foreign_origin_before_the_upgrade(app, factory, start_gateway):
    """The gateway (the only socket server) as in production behind the proxy: pages of its own origin, or of
    ALLOWED_ORIGINS; never another port of the same host (GATEWAY_SAME_HOST_ANY_PORT off)."""
    gateway = start_gateway(ALLOWED_ORIGINS="https://app.example, https://admin.example/",
                            GATEWAY_SAME_HOST_ANY_PORT="0")
    base = f"http://127.0.0.1:{gateway.port}"
    member = factory.world().member
    path = f"/turbo-stream?topic=user:{member.id}"
    cookie = session_cookie(app, member.id)
    own = f"http://{urlsplit(base).netloc}"
    for origin in (FOREIGN, "null", "http://127.0.0.1:1", f"{own}.evil.example"):
        assert handshake_status(base, path, {"Cookie": cookie, "Origin": origin}) == 403, origin
    for origin in (own, "https://app.example", "https://ADMIN.example"):
        assert handshake_status(base, path, {"Cookie": cookie, "Origin": origin}) == 101, origin
    assert handshake_status(base, path, {"Cookie": cookie}) == 101  # not a browser: no page of another site
