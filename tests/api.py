"""The helper every API test goes through: requests with a bearer token, and every answer checked against the
OpenAPI document (app/api/openapi.py): its status is one the operation documents, and its body matches the
operation's schema for that status and media type (a problem document for every error)."""
from __future__ import annotations

import json
import re
from functools import cache

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from app.api.openapi import DOCUMENT

PREFIX = "/api/v1"


@cache
def _registry() -> Registry:
    return Registry().with_resource("urn:timeboard-api", Resource.from_contents(DOCUMENT, DRAFT202012))


def _validator(schema: dict) -> Draft202012Validator:
    """A validator for a schema of the document, its $refs resolved against the whole document."""
    wrapped = {"$id": "urn:timeboard-api:op", "$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    text = json.dumps(wrapped).replace('"#/components/', '"urn:timeboard-api#/components/')
    return Draft202012Validator(json.loads(text), registry=_registry(), format_checker=FormatChecker())


def _template_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$")


def find_operation(method: str, path: str) -> tuple[str, dict] | None:
    local = path.split("?", 1)[0].removeprefix(PREFIX) or "/"
    for template, methods in DOCUMENT["paths"].items():
        if _template_regex(template).match(local) and method.lower() in methods:
            return template, methods[method.lower()]
    return None


def check_response(method: str, path: str, response) -> None:
    """Fail the test when the answer is not what the document promises."""
    found = find_operation(method, path)
    mimetype = response.mimetype
    if response.status_code >= 400:
        assert mimetype == "application/problem+json", (response.status_code, mimetype, response.get_data()[:300])
    if found is None:  # a path or method the API does not have: a problem document all the same
        assert response.status_code in (404, 405), (method, path, response.status_code)
        _validator({"$ref": "#/components/schemas/Problem"}).validate(response.get_json())
        return
    template, operation = found
    documented = operation["responses"]
    code = str(response.status_code)
    assert code in documented, f"{method} {template} answered {code}, not documented ({sorted(documented)})"
    if code == "401":
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), response.headers
    content = documented[code].get("content")
    if content is None:
        assert response.get_data() == b"", f"{method} {template} {code} has a body it does not document"
        return
    assert mimetype in content, f"{method} {template} {code}: {mimetype} not in {sorted(content)}"
    if mimetype.endswith("json"):
        _validator(content[mimetype]["schema"]).validate(response.get_json())


class Api:
    """api.get("/me"), api.post("/time-entries", json={...}): every answer is checked by check_response()."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def request(self, method: str, path: str, token: str | None | object = ..., headers: dict | None = None,
                **kwargs):
        headers = dict(headers or {})
        token = self.token if token is ... else token
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        url = path if path.startswith(PREFIX) else PREFIX + path
        response = self.client.open(url, method=method, headers=headers, **kwargs)
        check_response(method, url, response)
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def as_token(self, token: str | None) -> Api:
        return Api(self.client, token)


def make_token(user, scope: str = "write", expires_days: int | None = None) -> str:
    from app.accounts.access_tokens import create_token

    return create_token(user, f"test {scope}", scope, expires_days)[1]
