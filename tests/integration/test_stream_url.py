"""STREAM_URL: where pages open their stream socket (a gateway). Unset, a page names nothing: same-origin
/turbo-stream, which the proxy routes to the gateways; set, every page names the resolved ws(s):// URL in
<meta name="stream-url"> and its CSP lets it connect."""
from __future__ import annotations

import pytest

from app.config import ConfigError, load_config
from tests.conftest import login
from tests.integration.test_security_headers import csp


@pytest.fixture()
def stream_url(app):
    def set_to(value: str) -> None:
        app.config["STREAM_URL"] = value

    yield set_to
    app.config["STREAM_URL"] = ""


@pytest.mark.parametrize("configured, meta, origin", [
    (":5100/turbo-stream", "ws://localhost:5100/turbo-stream", "ws://localhost:5100"),
    ("/turbo-stream", "ws://localhost/turbo-stream", "ws://localhost"),
    ("wss://streams.example.com/turbo-stream", "wss://streams.example.com/turbo-stream", "wss://streams.example.com"),
])
def test_a_page_names_the_stream_url_and_its_csp_allows_it(client, factory, stream_url, configured, meta, origin):
    stream_url(configured)
    login(client, factory.world().member)
    response = client.get("/time-logs")
    assert f'<meta name="stream-url" content="{meta}">' in response.get_data(as_text=True)
    assert csp(response)["connect-src"] == f"'self' {origin}"


@pytest.mark.parametrize("configured", ["", ":5100/turbo-stream", "/turbo-stream"])
def test_the_web_process_holds_no_sockets(client, factory, stream_url, configured):
    """The gateway is the only socket server: the web process has no /turbo-stream (404 whatever STREAM_URL
    says), so nobody can take its threads with sockets (the outage the gateway exists to prevent)."""
    login(client, factory.world().member)
    handshake = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    stream_url(configured)
    assert client.get("/turbo-stream?topic=user:1", headers=handshake).status_code == 404


def test_behind_a_tls_proxy_the_gateway_is_wss(client, factory, stream_url):
    stream_url(":5100/turbo-stream")
    login(client, factory.world().member)
    html = client.get("/time-logs", headers={"X-Forwarded-Proto": "https"}).get_data(as_text=True)
    assert '<meta name="stream-url" content="wss://localhost:5100/turbo-stream">' in html


def test_unset_the_page_streams_from_its_own_origin(client, factory):
    login(client, factory.world().member)
    response = client.get("/time-logs")
    assert 'name="stream-url"' not in response.get_data(as_text=True)
    assert csp(response)["connect-src"] == "'self'"


def test_a_stream_url_of_another_form_is_refused_at_startup(monkeypatch, tmp_path):
    monkeypatch.setenv("STREAM_URL", "http://example.com/turbo-stream")
    with pytest.raises(ConfigError, match="STREAM_URL"):
        load_config(str(tmp_path))
