"""What every /api/v1 answer shares: RFC 9457 problem documents (never HTML, never a 500 page), 400 for malformed
JSON, weak ETags and 304, the rate limit per token (429 with Retry-After), and the OpenAPI document itself."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from app.api.openapi import DOCUMENT
from tests.api import Api, check_response


def test_problem_documents(db, factory, api, client):
    w = factory.world()
    member = api(w.member)
    missing = member.get(f"/time-entries/{w.other_log.id}")
    body = missing.get_json()
    assert missing.mimetype == "application/problem+json"
    assert body["status"] == 404 and body["title"] == "Not Found" and body["type"] == "/api/v1/docs#problem-not-found"
    assert body["detail"]
    invalid = member.post("/time-entries", json={})
    assert invalid.get_json()["type"] == "/api/v1/docs#problem-validation"
    assert invalid.get_json()["errors"]["project_id"] == "project_id is required."


@pytest.mark.parametrize("raw, content_type", [
    (b'{"project_id": 1,', "application/json"),
    (b"[1, 2]", "application/json"),
    (b"", "application/json"),
    (b"project_id=1", "application/x-www-form-urlencoded"),
    (b"[" * 100_000, "application/json"),  # nesting that would blow the stack of a recursive parser
])
def test_malformed_json_is_400(db, factory, api, raw, content_type):
    w = factory.world()
    response = api(w.member).post("/time-entries", data=raw, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


def test_unknown_paths_methods_and_nul_bytes_answer_problems_not_html(db, factory, api):
    w = factory.world()
    member = api(w.member)
    unknown = member.get("/nothing-here")
    assert unknown.status_code == 404 and "/api/v1/docs" in unknown.get_json()["detail"]
    wrong = member.request("PUT", "/time-entries")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    nul = member.post("/time-entries", json={"description": "a\u0000b"})
    assert nul.status_code == 400 and nul.mimetype == "application/problem+json"


def test_an_unexpected_error_is_a_500_problem_document(app, db, factory, api, monkeypatch):
    from app.api import representations

    w = factory.world()
    monkeypatch.setattr(representations, "me", lambda *a: 1 / 0)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = api(w.member).get("/me")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert response.get_json()["detail"] == "Something went wrong on our side. It has been logged."


def test_every_get_has_a_weak_etag_and_a_matching_if_none_match_is_304(db, factory, api):
    w = factory.world()
    member = api(w.member)
    first = member.get("/time-entries")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == "private, no-cache"
    again = member.get("/time-entries", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    member.patch(f"/time-entries/{w.member_log.id}", json={"description": "changed"})
    changed = member.get("/time-entries", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    for path in ("/me", "/organizations", f"/organizations/{w.org.id}", "/projects", "/timer"):
        tag = member.get(path).headers["ETag"]
        assert member.get(path, headers={"If-None-Match": tag}).status_code == 304, path


def test_the_rate_limit_is_per_token_with_retry_after(app, db, factory, api):
    w = factory.world()
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        first, second = api(w.member), api(w.member)
        assert [first.get("/me").status_code for _ in range(3)] == [200, 200, 200]
        limited = first.get("/me")
        assert limited.status_code == 429
        assert 0 < int(limited.headers["Retry-After"]) <= 60
        assert limited.get_json()["type"] == "/api/v1/docs#problem-rate-limited"
        assert "(3 per minute)" in limited.get_json()["detail"]
        assert second.get("/me").status_code == 200  # another token has its own count
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"


def test_the_openapi_document_is_valid_and_served(db, client):
    validate(DOCUMENT)
    served = Api(client, None).get("/openapi.json")
    assert served.status_code == 200 and served.get_json() == DOCUMENT
    assert served.get_json()["openapi"] == "3.1.0"


def test_every_route_of_the_blueprint_is_documented(app):
    documented = {(method.upper(), path) for path, methods in DOCUMENT["paths"].items() for method in methods}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1")
            for name in rule.arguments:
                path = path.replace(f"<id:{name}>", "{" + name + "}")
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


def test_the_docs_page_lists_every_operation_without_a_token(db, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    operations = [op for methods in DOCUMENT["paths"].values() for op in methods.values()]
    assert html.count('data-testid="api-operation"') == len(operations)
    for op in operations:
        assert f'id="{op["operationId"]}"' in html
    assert "cdn" not in html.lower()


class FakeResponse:
    def __init__(self, status, body, mimetype="application/json"):
        import json

        self.status_code, self.mimetype, self.headers = status, mimetype, {}
        self._data = json.dumps(body).encode()

    def get_json(self):
        import json

        return json.loads(self._data)

    def get_data(self):
        return self._data


def test_the_schema_check_catches_a_response_that_breaks_the_document():
    """The helper every API test goes through fails on a missing field, a wrong type, an undocumented status."""
    good = {"id": 1, "email": "a@b.c", "name": "A", "time_zone": "UTC", "is_system_admin": False,
            "token_scope": "read", "organizations": []}
    check_response("GET", "/api/v1/me", FakeResponse(200, good))
    for broken in ({**good, "id": "1"}, {k: v for k, v in good.items() if k != "email"}, {**good, "extra": 1}):
        with pytest.raises(Exception):  # noqa: B017 (jsonschema's ValidationError)
            check_response("GET", "/api/v1/me", FakeResponse(200, broken))
    with pytest.raises(AssertionError):
        check_response("GET", "/api/v1/me", FakeResponse(418, {"type": "x", "title": "x", "status": 418,
                                                               "detail": "x"}, "application/problem+json"))
