"""Issue 24: what makes Timeboard installable: the web app manifest, the service worker served from the root (its
scope is every page), and the offline page it keeps. All three answer signed out too (the service worker is
installed from the sign-in page) and name nobody; the pages link the manifest and the worker."""
from __future__ import annotations

from tests.conftest import login


def test_the_manifest_names_the_app_its_start_page_and_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert (manifest["name"], manifest["start_url"], manifest["scope"], manifest["display"]) == \
        ("Timeboard", "/time-logs", "/", "standalone")
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:8] == b"\x89PNG\r\n\x1a\n"
        image.close()


def test_the_service_worker_is_served_from_the_root_and_always_revalidated(client):
    response = client.get("/service-worker.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.data
    response.close()


def test_the_offline_page_names_nobody_signed_in_or_not(client, factory):
    signed_out = client.get("/offline").get_data(as_text=True)
    w = factory.world()
    login(client, w.member)
    signed_in = client.get("/offline").get_data(as_text=True)
    assert "You are offline" in signed_in and w.member.email not in signed_in and w.member.name not in signed_in
    assert signed_out == signed_in  # one copy on the device, for whoever uses it


def test_every_page_links_the_manifest_and_the_worker(client, factory):
    w = factory.world()
    for html in (client.get("/login").get_data(as_text=True),
                 (login(client, w.member), client.get("/time-logs").get_data(as_text=True))[1]):
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert '<meta name="service-worker" content="/service-worker.js">' in html
