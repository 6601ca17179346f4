"""Single sign-on with OpenID Connect: the Authlib client of each provider named in OIDC_PROVIDERS.

- Discovery from `<issuer>/.well-known/openid-configuration`, once per process, and only when the document names
  the configured issuer (OpenID Connect Discovery 4.3): a provider that answers for another issuer is refused.
- The authorization code flow with PKCE (S256); Authlib draws `state`, `nonce` and the code verifier and keeps
  them in the session (one flow at a time per browser), and checks the state when the person comes back.
- The ID token's signature (the provider's JWKS, fetched again once for an unknown key id) and claims (`iss`,
  `aud` = our client id, `exp`, `iat`, `nonce`, `at_hash`) are validated by Authlib. Its claims name the person;
  when it carries no e-mail, the userinfo endpoint is asked, and only kept if it names the same subject.

Every failure (the person said no, a forged or stale state, a provider that cannot be reached or whose token does
not verify) is a SignInFailed with a message fit for the sign-in page; what went wrong in detail is logged.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session
from flask_babel import gettext as _
from joserfc.errors import JoseError

log = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for each call to a provider (discovery, keys, token, userinfo)
SCOPE = "openid email profile"
ERROR_CODE = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: `subject` is theirs for good; the e-mail counts only when verified."""
    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    zoneinfo: str | None = None


class SignInFailed(Exception):
    """The sign-in with a provider did not give a verified identity; the message is fit for the page."""


def register(app: Flask) -> None:
    """One Authlib registry per app (the tests build several apps), and `sso_providers()` for the templates."""
    oauth = OAuth(app)
    for provider in app.config["OIDC_PROVIDERS"]:
        oauth.register(
            provider["name"], client_id=provider["client_id"], client_secret=provider["client_secret"],
            server_metadata_url=provider["issuer"] + "/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT})
    app.extensions["sso"] = oauth
    app.jinja_env.globals["sso_providers"] = providers


def providers() -> list[Provider]:
    return [Provider(p["name"], p["label"], p["issuer"]) for p in current_app.config["OIDC_PROVIDERS"]]


def provider(name: str) -> Provider | None:
    return next((p for p in providers() if p.name == name), None)


def form_action_origins(app: Flask) -> list[str]:
    """Origins the browser is sent to from our forms (the buttons post here, then go on to the provider): each
    issuer's, and its authorization endpoint's once discovered. For the Content-Security-Policy's form-action."""
    origins = []
    oauth = app.extensions.get("sso")
    for p in app.config["OIDC_PROVIDERS"]:
        urls = [p["issuer"]]
        client = oauth.create_client(p["name"]) if oauth is not None else None  # made at register(): no I/O
        if client is not None and client.server_metadata.get("authorization_endpoint"):
            urls.append(client.server_metadata["authorization_endpoint"])
        for url in urls:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def _client(name: str):
    return current_app.extensions["sso"].create_client(name)


def _discover(name: str, label: str):
    """The provider's client with its discovery document loaded and checked (issuer and endpoints)."""
    client = _client(name)
    issuer = provider(name).issuer
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OpenID Connect discovery of %s failed: %s", name, exc)
        raise SignInFailed(_("%(provider)s cannot be reached right now. Try again in a moment.", provider=label)) \
            from None
    if str(metadata.get("issuer", "")).rstrip("/") != issuer or not all(
            metadata.get(key) for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
        log.error("OpenID Connect provider %s: its discovery document names issuer %r (expected %r) or lacks an "
                  "endpoint", name, metadata.get("issuer"), issuer)
        client.server_metadata.clear()  # not kept: discovered again next time
        raise SignInFailed(_("Signing in with %(provider)s is not set up correctly. Tell the site's administrator.",
                             provider=label))
    return client


def begin(name: str, redirect_uri: str, **carry) -> str:
    """Start a sign-in: returns the provider's authorization URL to send the browser to. `carry` (what to do on
    return: the intent, the next page) is kept with the state, in the session, and given back by finish()."""
    label = provider(name).label
    client = _discover(name, label)
    for key in [k for k in session if k.startswith("_state_")]:  # one flow at a time: the cookie stays small
        session.pop(key)
    try:
        flow = client.create_authorization_url(redirect_uri)
    except (AuthlibBaseError, RuntimeError, ValueError) as exc:
        log.error("OpenID Connect provider %s: could not build the authorization URL: %s", name, exc)
        raise SignInFailed(_("Signing in with %(provider)s is not set up correctly. Tell the site's administrator.",
                             provider=label)) from None
    client.save_authorize_data(state=flow["state"], redirect_uri=redirect_uri, nonce=flow["nonce"],
                               code_verifier=flow["code_verifier"], carry=carry)
    return flow["url"]


def pending_carry(name: str, state: str | None) -> dict | None:
    """What begin() kept for this state, or None when this browser started no such flow (or it expired)."""
    data = _client(name).framework.get_state_data(session, state) if state else None
    return dict(data.get("carry") or {}) if isinstance(data, dict) else None


def finish(name: str, args) -> Identity:
    """The person is back from the provider (`args`: the callback's query): check the state, exchange the code
    (with the PKCE verifier), verify the ID token, and return who signed in."""
    label = provider(name).label
    error = args.get("error")
    if error:
        code = error if ERROR_CODE.fullmatch(error) else "unknown"
        log.info("OpenID Connect provider %s answered error=%s", name, code)
        if code == "access_denied":
            raise SignInFailed(_("You did not allow the sign-in with %(provider)s, so you are not signed in.",
                                 provider=label))
        raise SignInFailed(_("%(provider)s did not sign you in (it answered “%(code)s”). Try again.", provider=label,
                             code=code))
    if pending_carry(name, args.get("state")) is None:
        raise SignInFailed(_("This sign-in with %(provider)s was not started from this browser, or it took too "
                             "long. Start again.", provider=label))
    client = _discover(name, label)
    try:
        token = client.authorize_access_token()
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as exc:
        log.warning("OpenID Connect sign-in with %s refused: %r", name, exc)
        raise SignInFailed(_("The answer from %(provider)s could not be verified, so you are not signed in. "
                             "Try again.", provider=label)) from None
    claims = token.get("userinfo")
    if not claims or not _text(claims.get("sub")) or len(claims["sub"]) > 255:
        log.warning("OpenID Connect sign-in with %s: no ID token or no subject", name)
        raise SignInFailed(_("%(provider)s did not say who you are, so you are not signed in.", provider=label))
    claims = dict(claims)
    if "email" not in claims:
        claims.update(_userinfo(client, token, claims["sub"], name))
    email = _text(claims.get("email"))
    person = _text(claims.get("name"), strict=False)
    return Identity(  # never cut a subject or an address short: a shortened one could name someone else
        provider=name, subject=claims["sub"], email=email if email and len(email) <= 254 else None,
        email_verified=claims.get("email_verified") in (True, "true"),
        name=person[:200] if person else None, zoneinfo=_text(claims.get("zoneinfo")))


def _text(value, strict: bool = True) -> str | None:
    """A claim as text fit for the database (PostgreSQL refuses NUL): None when it is not a string, or when
    `strict` and it holds a control character; otherwise without its control characters."""
    if not isinstance(value, str):
        return None
    if strict and not value.isprintable():
        return None
    return "".join(ch for ch in value if ch.isprintable()).strip() or None


def _userinfo(client, token: dict, subject: str, name: str) -> dict:
    """The userinfo endpoint's claims, when they are about the same subject (OpenID Connect Core 5.3.2)."""
    if not client.load_server_metadata().get("userinfo_endpoint"):
        return {}
    try:
        info = dict(client.userinfo(token=token))
    except (AuthlibBaseError, requests.RequestException, ValueError) as exc:
        log.warning("OpenID Connect userinfo of %s failed: %r", name, exc)
        return {}
    if info.get("sub") != subject:
        log.warning("OpenID Connect userinfo of %s names another subject: ignored", name)
        return {}
    return {key: info[key] for key in ("email", "email_verified", "name", "zoneinfo") if key in info}
