"""Sign-in: login/logout, remember-me, CSRF, rate limiting, safe redirects, and no page without a session."""
from __future__ import annotations

import re

import pytest

from app.models import TimeLog


def test_login_then_logout(client, factory):
    factory.world()
    response = client.post("/login", data={"email": "MEMBER@acme.test ", "password": "password"})
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    assert client.get("/time-logs").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/time-logs").status_code == 302


@pytest.mark.parametrize("email, password", [("member@acme.test", "wrong"), ("nobody@acme.test", "password"),
                                             ("", ""), ("member@acme.test", "")])
def test_wrong_credentials_answer_422_with_a_message(client, factory, email, password):
    factory.world()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Email or password is incorrect." in html or "This field is required." in html
    assert client.get("/time-logs").status_code == 302


def test_remember_me_sets_a_remember_cookie_only_when_asked(client, factory):
    w = factory.world()
    response = client.post("/login", data={"email": w.member.email, "password": "password"})
    assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))
    client.post("/logout")
    response = client.post("/login", data={"email": w.member.email, "password": "password", "remember_me": "y"})
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "remember_token=" in cookies and "HttpOnly" in cookies


def test_remember_cookie_restores_the_session(app, factory):
    w = factory.world()
    first = app.test_client()
    first.post("/login", data={"email": w.member.email, "password": "password", "remember_me": "y"})
    remember = first.get_cookie("remember_token")
    assert remember is not None
    second = app.test_client()
    second.set_cookie("remember_token", remember.value)
    assert second.get("/time-logs").status_code == 200


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)[1]


def test_csrf_rejects_a_post_without_token_and_changes_nothing(csrf_app, factory):
    w = factory.world()
    client = csrf_app.test_client()
    assert client.post("/login", data={"email": w.member.email, "password": "password"}).status_code == 400
    assert client.get("/time-logs").status_code == 302  # not signed in
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": w.member.email, "password": "password", "csrf_token": token})
    assert response.status_code == 303
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id})
    assert response.status_code == 400 and "form expired" in response.get_data(as_text=True)
    response = client.post(f"/time-logs/{w.member_log.id}/delete")
    assert response.status_code == 400
    factory.db.session.expire_all()
    assert w.member.running_timer is None
    assert factory.db.session.get(TimeLog, w.member_log.id) is not None
    page = client.get("/time-logs").get_data(as_text=True)
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id,
                                                           "csrf_token": _csrf_token(page)})
    assert response.status_code == 303 and w.member.running_timer is not None


def test_csrf_accepts_the_header_token_turbo_sends(csrf_app, factory):
    """Streamed partials carry no hidden token; Turbo sends the page's meta token as X-CSRFToken."""
    w = factory.world()
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": w.member.email, "password": "password", "csrf_token": token})
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/time-logs").get_data(as_text=True))[1]
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id},
                           headers={"X-CSRFToken": meta})
    assert response.status_code == 303


def test_login_attempts_are_rate_limited(client, factory):
    w = factory.world()
    for _ in range(10):
        assert client.post("/login", data={"email": w.member.email, "password": "nope"}).status_code == 422
    response = client.post("/login", data={"email": w.member.email, "password": "password"})
    assert response.status_code == 429 and "Too many sign-in attempts" in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 60  # seconds until the minute's window resets
    assert client.get("/time-logs").status_code == 302


@pytest.mark.parametrize("target, expected", [
    ("https://evil.example/steal", "/dashboard"), ("//evil.example/steal", "/dashboard"),
    ("/\\evil.example", "/dashboard"), ("/\t/evil.example", "/dashboard"), ("javascript:alert(1)", "/dashboard"),
    ("/time-logs?page=2", "/time-logs?page=2"),
])
def test_next_parameter_never_redirects_off_site(client, factory, target, expected):
    w = factory.world()
    response = client.post("/login", query_string={"next": target},
                           data={"email": w.member.email, "password": "password"})
    assert response.status_code == 303 and response.headers["Location"] == expected


PAGES = ["/dashboard", "/time-logs", "/time-logs/new", "/time-logs/{log}/edit", "/projects", "/projects/new",
         "/projects/{project}/edit", "/clients", "/clients/new", "/clients/{client}/edit", "/organizations",
         "/organizations/{org}", "/teams/{team}", "/jobs"]
POSTS = ["/time-logs/timer/start", "/time-logs/timer/stop", "/time-logs/{log}/delete", "/time-logs/{log}/edit",
         "/time-logs/new", "/projects/{project}/archive", "/projects/{project}/unarchive", "/projects/new",
         "/clients/new", "/clients/{client}/archive", "/logout"]


def _ids(w) -> dict:
    return {"log": w.member_log.id, "project": w.alpha_project.id, "client": w.client.id, "org": w.org.id,
            "team": w.alpha.id}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_redirects_anonymous_users_to_login(client, factory, path):
    w = factory.world()
    response = client.get(path.format(**_ids(w)))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", POSTS)
def test_every_action_refuses_anonymous_users_and_changes_nothing(client, factory, path):
    w = factory.world()
    response = client.post(path.format(**_ids(w)), data={"project_id": w.alpha_project.id, "name": "X"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, w.member_log.id) is not None
    assert w.member.running_timer is None and w.alpha_project.is_active


def test_every_route_of_the_time_project_and_organization_pages_requires_login(app, client, factory):
    """Guards against a new route forgetting @login_required. (The organizations blueprint includes its people,
    teams and invitations pages; the invitation link itself is public: a new person signs up through it.)"""
    factory.world()
    public = {"organizations.invitation"}
    # refused signed out without the sign-in redirect: a page's script asks it every few seconds (offline_sync.py)
    json_refusals = {"time_logs.sync_token": 401}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("time_logs", "projects",
                                                                                    "organizations")
             and r.endpoint not in public]
    assert len(rules) >= 15
    for rule in rules:
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(path, method=method)
        expected = json_refusals.get(rule.endpoint, 302 if method == "GET" else 303)
        assert response.status_code == expected, (rule.rule, response.status_code)
