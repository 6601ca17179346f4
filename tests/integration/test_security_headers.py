"""Security headers on every response: a Content-Security-Policy that runs only our own scripts (the
inline import map by the response's nonce), no MIME sniffing, no framing, a strict referrer policy;
in production HTTPS is forced (except for internal probes) and HSTS sent."""
from __future__ import annotations

import re

import pytest

from tests.conftest import login


def csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def test_a_page_runs_only_our_scripts_and_the_import_map_by_nonce(client, factory):
    login(client, factory.world().member)
    response = client.get("/time-logs")
    html = response.get_data(as_text=True)
    policy = csp(response)
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"])[1]
    assert policy["script-src"] == f"'self' 'nonce-{nonce}'"  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert policy["style-src"] == f"'self' 'nonce-{nonce}'"
    assert policy["default-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    # every inline script carries the nonce; Turbo finds it for its progress bar's <style>
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert f'<meta name="csp-nonce" nonce="{nonce}">' in html
    assert html.index('name="csp-nonce"') < html.index("turbo.es2017-umd.js")
    # a fresh nonce per response
    assert csp(client.get("/time-logs"))["script-src"] != policy["script-src"]


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/css/app.css", "/no-such-page", "/admin/rq/"])
def test_every_response_carries_the_headers(client, db, path):
    response = client.get(path)
    assert "Content-Security-Policy" in response.headers, path
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http in tests: never HSTS, never a redirect
    assert response.status_code != 302


def test_rq_dashboard_pages_get_the_policy_its_inline_scripts_need(client, factory):
    login(client, factory.world().sysadmin)
    response = client.get("/admin/rq/", follow_redirects=True)
    assert response.status_code == 200 and "<script" in response.get_data(as_text=True)
    policy = csp(response)
    assert policy["script-src"] == "'self' 'unsafe-inline' 'unsafe-eval'"  # its own templates, nothing from elsewhere
    assert policy["frame-ancestors"] == "'none'"


@pytest.fixture()
def production(monkeypatch):
    from app import create_app
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test")
    monkeypatch.setenv("APP_URL", "https://timeboard.example")  # required in production too
    return create_app({"APP_ENV": "production"}).test_client()


def test_production_forces_https_and_sends_hsts(production, db):
    response = production.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "https://localhost/login"
    assert production.get("/healthz").status_code == 200  # a load balancer's probe over plain http
    secure = production.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31556926")
    behind_proxy = production.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert behind_proxy.status_code == 200 and "Strict-Transport-Security" in behind_proxy.headers
