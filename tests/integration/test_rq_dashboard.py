"""rq-dashboard at /admin/rq: system admins only; 403 for everyone else, anonymous included."""
from __future__ import annotations

import pytest

from tests.conftest import login


@pytest.fixture()
def world(factory):
    return factory.world()


@pytest.mark.parametrize("path", ["/admin/rq", "/admin/rq/", "/admin/rq/queues.json", "/admin/rq/0/data/queues.json"])
def test_anonymous_gets_403(client, db, path):
    response = client.get(path)
    assert response.status_code == 403
    assert "system admins only" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "manager", "owner", "admin"])
def test_organization_roles_get_403(client, world, role):
    login(client, getattr(world, role))
    assert client.get("/admin/rq/").status_code == 403
    assert client.post("/admin/rq/queue/default/empty").status_code == 403


def test_system_admin_sees_the_dashboard_with_our_queues(client, world):
    from app.background.enqueue import enqueue

    enqueue("echo", "hello")
    login(client, world.sysadmin)
    response = client.get("/admin/rq/", follow_redirects=True)
    assert response.status_code == 200 and "RQ" in response.get_data(as_text=True)
    data = client.get("/admin/rq/0/data/queues.json").get_json()
    queues = {q["name"]: q["count"] for q in data["queues"]}
    assert queues.get("default") == 1


def test_a_second_app_in_the_same_process_mounts_it_too(app, db, world):
    from app import create_app

    other = create_app({"WTF_CSRF_ENABLED": False})
    client = other.test_client()
    assert client.get("/admin/rq/").status_code == 403
    login(client, world.sysadmin)
    assert client.get("/admin/rq/", follow_redirects=True).status_code == 200
