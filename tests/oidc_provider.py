"""A small, real OpenID Connect provider for the tests, built on Authlib's server parts: run it as a process on a
loopback port (`python -m tests.oidc_provider --port N`; the `oidc_provider` fixture does) and the app talks to it
over HTTP exactly as to a real one.

It is strict where a real provider may be: one registered confidential client (`--client-id`, `--client-secret`,
client_secret_basic or _post), redirect URIs on loopback only, `nonce` required, PKCE required with S256 only,
authorization codes single use and bound to the client and redirect URI, ID tokens signed RS256 with a key
published in its JWKS (`kid`), claims `iss`, `sub`, `aud`, `exp`, `iat`, `nonce`, `at_hash` and the user's.

Its authorization page is a form: the subject to sign in as, Allow or Deny (what a person clicks in a browser
test; the integration tests post the same form). People and test knobs are set over HTTP, by the test:

- `PUT /_test/users/<sub>` with the JSON claims of that person (`email`, `email_verified`, `name`...);
- `PUT /_test/next-id-token` with {"claims": {...}} merged into the next ID token, {"sign_with": "rogue"} to sign
  it with a key that is not in the JWKS, {"email_in_userinfo_only": true} to leave the e-mail claims out of the
  ID token (the userinfo endpoint still has them): each applies to one token;
- `PUT /_test/metadata` with discovery fields to override (e.g. another `issuer`);
- `GET /_test/requests`: the authorization and token requests received, newest last (their parameters);
- `POST /_test/reset`: forget all of it (people, codes, tokens, knobs, requests).
"""
from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass, field
from ipaddress import ip_address
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from flask import Flask, g, jsonify, request
from joserfc.jwk import KeySet, RSAKey
from markupsafe import escape
from werkzeug.serving import make_server

SCOPES = ("openid", "email", "profile")
EMAIL_CLAIMS = ("email", "email_verified")
PROFILE_CLAIMS = ("name", "given_name", "family_name", "preferred_username", "zoneinfo", "locale")


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        parts = urlsplit(redirect_uri)
        try:
            return parts.scheme == "http" and ip_address(parts.hostname or "").is_loopback
        except ValueError:
            return parts.scheme == "http" and parts.hostname == "localhost"

    def check_client_secret(self, client_secret):
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return int(self.issued_at)

    def get_acr(self):
        return None

    def get_amr(self):
        return None


@dataclass
class Person:
    sub: str
    claims: dict


class State:
    """Everything the provider holds, in memory, behind one lock (the server answers in threads)."""

    def __init__(self, issuer: str, client: Client):
        self.lock = threading.Lock()
        self.issuer = issuer
        self.client = client
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
        self.people: dict[str, Person] = {}
        self.codes: dict[str, Code] = {}
        self.access_tokens: dict[str, tuple[str, str]] = {}  # token -> (subject, scope)
        self.next_id_token: dict = {}
        self.metadata_overrides: dict = {}
        self.requests: list[dict] = []

    def take_next_id_token(self) -> dict:
        with self.lock:
            knobs, self.next_id_token = self.next_id_token, {}
            return knobs


class StrictCodeChallenge(CodeChallenge):
    """PKCE is required of every client (a confidential one too), and only with S256."""

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is accepted")
        super().validate_code_challenge(grant, redirect_uri)


def create_app(state: State) -> Flask:
    app = Flask(__name__)
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 3600}

    class CodeGrant(AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, req):
            data = req.payload.data
            with state.lock:
                state.codes[code] = Code(code=code, client_id=req.client.client_id,
                                         redirect_uri=req.payload.redirect_uri, scope=req.payload.scope,
                                         subject=req.user.sub, nonce=data.get("nonce"),
                                         code_challenge=data.get("code_challenge"),
                                         code_challenge_method=data.get("code_challenge_method"))

        def query_authorization_code(self, code, client):
            with state.lock:
                found = state.codes.get(code)
            if found and found.client_id == client.client_id and time.time() - found.issued_at < 600:
                return found
            return None

        def delete_authorization_code(self, authorization_code):
            with state.lock:
                state.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return state.people.get(authorization_code.subject)

    class IDToken(OpenIDCode):
        def exists_nonce(self, nonce, req):
            with state.lock:
                return any(c.nonce == nonce and c.client_id == req.payload.client_id for c in state.codes.values())

        def encode_id_token(self, token, req):
            g.knobs = state.take_next_id_token()  # this token's knobs, read by the methods below
            return super().encode_id_token(token, req)

        def resolve_client_private_key(self, client):
            return state.rogue_key if g.knobs.get("sign_with") == "rogue" else state.key

        def get_client_algorithm(self, client):
            return "RS256"

        def get_encode_header(self, client):
            return {"alg": "RS256", "kid": state.key.kid}

        def get_client_claims(self, client):
            return {"iss": state.issuer, "aud": [client.client_id], "exp": int(time.time()) + 3600}

        def generate_user_info(self, user, scope):
            claims = {"sub": user.sub, **claims_for(user, scope)}
            if g.knobs.get("email_in_userinfo_only"):
                for name in EMAIL_CLAIMS:
                    claims.pop(name, None)
            claims.update(g.knobs.get("claims", {}))  # applied last: may replace nonce, aud, exp, iss
            return claims

    def query_client(client_id):
        return state.client if client_id == state.client.client_id else None

    def save_token(token, req):
        with state.lock:
            state.access_tokens[token["access_token"]] = (req.user.sub, token.get("scope", ""))

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(CodeGrant, [IDToken(require_nonce=True), StrictCodeChallenge(required=True)])

    def record(kind: str) -> None:
        with state.lock:
            state.requests.append({"kind": kind, **request.values.to_dict()})

    @app.get("/.well-known/openid-configuration")
    def discovery():
        base = state.issuer
        return jsonify({
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", *EMAIL_CLAIMS, *PROFILE_CLAIMS],
            **state.metadata_overrides,
        })

    @app.get("/jwks")
    def jwks():
        return jsonify(KeySet([state.key]).as_dict(private=False))

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        record("authorize")
        try:
            grant = server.get_consent_grant(end_user=None)
        except Exception as exc:  # noqa: BLE001 (a bad request: shown as the page, as a provider would)
            return f"<h1>Bad authorization request</h1><p>{escape(getattr(exc, 'description', str(exc)))}</p>", 400
        if request.method == "GET":
            return AUTHORIZE_PAGE.format(client=escape(state.client.client_id), action=escape(request.full_path))
        if request.form.get("action") == "deny":
            return server.create_authorization_response(grant=grant, grant_user=None)
        person = state.people.get(request.form.get("sub", "").strip())
        if person is None:
            return AUTHORIZE_PAGE.format(client=escape(state.client.client_id), action=escape(request.full_path)) \
                + "<p id='unknown'>No such person.</p>", 422
        return server.create_authorization_response(grant=grant, grant_user=person)

    @app.post("/token")
    def token():
        record("token")
        return server.create_token_response()

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo():
        auth = request.headers.get("Authorization", "")
        with state.lock:
            found = state.access_tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if found is None:
            return jsonify(error="invalid_token"), 401
        subject, scope = found
        return jsonify({"sub": subject, **claims_for(state.people[subject], scope)})

    @app.put("/_test/users/<sub>")
    def put_user(sub):
        with state.lock:
            state.people[sub] = Person(sub, dict(request.get_json(force=True)))
        return "", 204

    @app.put("/_test/next-id-token")
    def put_next_id_token():
        with state.lock:
            state.next_id_token = dict(request.get_json(force=True))
        return "", 204

    @app.put("/_test/metadata")
    def put_metadata():
        with state.lock:
            state.metadata_overrides = dict(request.get_json(force=True))
        return "", 204

    @app.post("/_test/reset")
    def reset():
        with state.lock:
            state.people.clear()
            state.codes.clear()
            state.access_tokens.clear()
            state.next_id_token, state.metadata_overrides = {}, {}
            state.requests.clear()
        return "", 204

    @app.get("/_test/requests")
    def requests_seen():
        with state.lock:
            return jsonify(list(state.requests))

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app


def claims_for(person: Person, scope: str) -> dict:
    scopes = (scope or "").split()
    allowed = (EMAIL_CLAIMS if "email" in scopes else ()) + (PROFILE_CLAIMS if "profile" in scopes else ())
    return {k: v for k, v in person.claims.items() if k in allowed or k not in EMAIL_CLAIMS + PROFILE_CLAIMS}


AUTHORIZE_PAGE = """<!doctype html>
<html><head><title>Test provider: sign in</title></head><body>
<h1>Test provider</h1>
<p><strong>{client}</strong> asks you to sign in.</p>
<form method="post" action="{action}">
  <label>Sign in as (subject) <input name="sub" autocomplete="off"></label>
  <button type="submit" name="action" value="allow">Allow</button>
  <button type="submit" name="action" value="deny">Deny</button>
</form>
</body></html>"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", default="timeboard")
    parser.add_argument("--client-secret", default="timeboard-secret")
    args = parser.parse_args()
    state = State(f"http://127.0.0.1:{args.port}", Client(args.client_id, args.client_secret))
    server = make_server("127.0.0.1", args.port, create_app(state), threaded=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
