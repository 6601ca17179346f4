"""Single sign-on in tests: the test OpenID Connect provider (tests/oidc_provider.py) as a real process on a loopback
port, and the steps a person takes there (its authorization form: a subject, Allow or Deny), over real HTTP."""
from __future__ import annotations

import sys
from urllib.parse import urlsplit

import requests

from tests.processes import Process, free_port, wait_for_http

CLIENT_ID, CLIENT_SECRET = "timeboard", "timeboard-secret"


class TestProvider:
    __test__ = False  # not a test class

    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client_id, self.client_secret = client_id, client_secret
        self.process = Process([sys.executable, "-m", "tests.oidc_provider", "--port", str(self.port),
                                "--client-id", client_id, "--client-secret", client_secret],
                               f"oidc-provider-{self.port}")
        try:
            wait_for_http(self.url + "/healthz")
        except RuntimeError:
            raise RuntimeError(self.process.output()) from None

    def stop(self) -> None:
        self.process.stop()

    def config(self, name: str = "acme", label: str = "Acme ID") -> dict:
        """An entry of OIDC_PROVIDERS naming this provider (as app/config.py builds it from the environment)."""
        return {"name": name, "label": label, "issuer": self.url, "client_id": self.client_id,
                "client_secret": self.client_secret}

    def env(self, name: str = "acme", label: str = "Acme ID") -> dict:
        """The environment variables that configure it (for a web process)."""
        prefix = f"OIDC_{name.upper()}_"
        return {prefix + "ISSUER": self.url, prefix + "CLIENT_ID": self.client_id,
                prefix + "CLIENT_SECRET": self.client_secret, prefix + "LABEL": label}

    def _put(self, path: str, payload: dict) -> None:
        requests.put(self.url + path, json=payload, timeout=5).raise_for_status()

    def person(self, sub: str, **claims) -> str:
        self._put(f"/_test/users/{sub}", claims)
        return sub

    def next_id_token(self, **knobs) -> None:
        self._put("/_test/next-id-token", knobs)

    def metadata(self, **overrides) -> None:
        self._put("/_test/metadata", overrides)

    def reset(self) -> None:
        requests.post(self.url + "/_test/reset", timeout=5).raise_for_status()

    def requests_seen(self, kind: str | None = None) -> list[dict]:
        seen = requests.get(self.url + "/_test/requests", timeout=5).json()
        return [r for r in seen if kind is None or r["kind"] == kind]

    def authorize(self, authorization_url: str, sub: str, action: str = "allow") -> str:
        """What a person does on the provider's page: open it, name the subject, Allow (or Deny). Returns where the
        provider sends the browser back to (our callback, with code and state, or an error)."""
        assert authorization_url.startswith(self.url + "/authorize?"), authorization_url
        page = requests.get(authorization_url, timeout=5)
        assert page.status_code == 200 and "asks you to sign in" in page.text, page.text[:500]
        answer = requests.post(authorization_url, data={"sub": sub, "action": action}, allow_redirects=False,
                               timeout=5)
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["Location"]


def local(url: str) -> str:
    """The path and query of one of our URLs, for the test client."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")
