"""Configuration, read from the environment in one place."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from app.origins import normalize_origins
from app.passwords import PRODUCTION_METHOD, TEST_METHOD
from app.redis_client import request_options

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


def database_url(raw: str | None, instance_path: str) -> str:
    """Normalise DATABASE_URL: default SQLite under instance/, psycopg 3 for PostgreSQL."""
    if not raw:
        return f"sqlite:///{Path(instance_path) / 'timeboard.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def app_url_from(raw: str | None, env: str, port: str) -> str:
    """APP_URL, the site's public address, without a trailing slash. Links in e-mails are built from it whichever
    process sends them: a worker under honcho has a PORT of its own (5300), never the web's. Required in
    production; in development and tests the web process's own address."""
    value = (raw or "").strip().rstrip("/")
    if not value:
        if env == "production":
            raise ConfigError("APP_URL must be set when APP_ENV=production: the site's public address "
                              "(e.g. https://timeboard.example.com), which every link in e-mails starts with")
        return f"http://127.0.0.1:{port}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"APP_URL must be an http(s):// address like https://timeboard.example.com, not {raw!r}")
    return value


def _flag(raw: str | None, default: bool) -> bool:
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


def _count(name: str, raw: str | None, default: int) -> int:
    """A whole number >= 0 from the environment; a clear error otherwise."""
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more, not {value}")
    return value


PROVIDER_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
RESERVED_PROVIDER_NAMES = ("confirm", "link")  # paths of their own under /login/sso/


def oidc_providers(environ: Mapping[str, str], env: str) -> list[dict]:
    """OIDC_PROVIDERS=acme,google names the OpenID Connect providers people may sign in with; each has
    OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET and an optional _LABEL (the button's text). Anything missing or
    unsafe refuses to start: an issuer must be https (http only on a loopback host, outside production)."""
    providers = []
    names = [n.strip().lower() for n in environ.get("OIDC_PROVIDERS", "").split(",") if n.strip()]
    for name in names:
        if not PROVIDER_NAME.fullmatch(name) or name in RESERVED_PROVIDER_NAMES:
            raise ConfigError(f"OIDC_PROVIDERS: {name!r} is not a provider name (a letter, then letters, digits "
                              "or _; not confirm or link)")
        if names.count(name) > 1:
            raise ConfigError(f"OIDC_PROVIDERS names {name!r} twice")
        prefix = f"OIDC_{name.upper()}_"
        values = {key: environ.get(prefix + key.upper(), "").strip()
                  for key in ("issuer", "client_id", "client_secret")}
        missing = [prefix + key.upper() for key, value in values.items() if not value]
        if missing:
            raise ConfigError(f"OpenID Connect provider {name!r} needs {', '.join(missing)}")
        issuer = values["issuer"].rstrip("/")
        try:
            parts = urlsplit(issuer)
            parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
        except ValueError:
            parts = urlsplit("")
        loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        secure = parts.scheme == "https" or (loopback and env != "production")
        if not secure or not parts.hostname or parts.query or parts.fragment:
            raise ConfigError(f"{prefix}ISSUER must be an https:// URL without query, not {values['issuer']!r}")
        providers.append({"name": name, "issuer": issuer, "client_id": values["client_id"],
                          "client_secret": values["client_secret"],
                          "label": environ.get(prefix + "LABEL", "").strip() or name.replace("_", " ").title()})
    return providers


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = (overrides or {}).get("APP_ENV") or os.environ.get("APP_ENV", "development")
    if env not in ("development", "production", "test"):
        raise ConfigError(f"APP_ENV must be development, production or test, not {env!r}")
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        secret = "dev-only-not-secret"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    app_url = app_url_from(os.environ.get("APP_URL"), env, os.environ.get("PORT", "5000"))
    stream_url = os.environ.get("STREAM_URL", "").strip()
    if stream_url and not stream_url.startswith(("/", ":", "ws://", "wss://")):
        raise ConfigError(f"STREAM_URL must be a path, :port/path or a ws(s):// URL, not {stream_url!r}")
    config = {
        "APP_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "PORT": int(os.environ.get("PORT", "5000")),
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        # every cookie we set: never sent on cross-site subrequests or POSTs, HTTPS-only in production
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # plain HTTP is redirected to HTTPS in production (a TLS proxy must send X-Forwarded-Proto)
        "FORCE_HTTPS": _flag(os.environ.get("FORCE_HTTPS"), default=env == "production"),
        # origins besides the app's own whose pages may open /turbo-stream (comma-separated)
        "ALLOWED_ORIGINS": normalize_origins(os.environ.get("ALLOWED_ORIGINS", "")),
        # where pages open their stream socket (app/stream_url.py): unset = this web process's /turbo-stream
        "STREAM_URL": stream_url,
        # the stream gateway process (`flask gateway`, app/gateway)
        "GATEWAY_HOST": os.environ.get("GATEWAY_HOST", "127.0.0.1"),
        "GATEWAY_PORT": int(os.environ.get("GATEWAY_PORT", "5100")),
        "GATEWAY_RECHECK_SECONDS": float(os.environ.get("GATEWAY_RECHECK_SECONDS", "30")),
        # development and tests: pages on one port, the gateway on another (see app/gateway/auth.py)
        "GATEWAY_SAME_HOST_ANY_PORT": _flag(os.environ.get("GATEWAY_SAME_HOST_ANY_PORT"), False),
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or redis_url,
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        # Redis down must not take sign-in down with it: count in memory until it is back.
        "RATELIMIT_SWALLOW_ERRORS": True,
        # ...at once: the same short timeouts, no retries and breaker as every Redis call of a request
        "RATELIMIT_STORAGE_OPTIONS": request_options(),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,  # a 429 says when to try again (Retry-After, in seconds)
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # failed sign-ins per account (app/services/sign_in_limits.py): this many within the window lock the
        # account's sign-in from unknown browsers for LOGIN_LOCK_SECONDS, doubling at each lock, at most
        # LOGIN_LOCK_MAX_SECONDS; a browser that signed in to the account before is not locked out by others
        "LOGIN_ACCOUNT_FAILURES": _count("LOGIN_ACCOUNT_FAILURES", os.environ.get("LOGIN_ACCOUNT_FAILURES"), 10),
        "LOGIN_ACCOUNT_WINDOW_SECONDS": _count("LOGIN_ACCOUNT_WINDOW_SECONDS",
                                               os.environ.get("LOGIN_ACCOUNT_WINDOW_SECONDS"), 900),
        "LOGIN_LOCK_SECONDS": _count("LOGIN_LOCK_SECONDS", os.environ.get("LOGIN_LOCK_SECONDS"), 120),
        "LOGIN_LOCK_MAX_SECONDS": _count("LOGIN_LOCK_MAX_SECONDS", os.environ.get("LOGIN_LOCK_MAX_SECONDS"), 900),
        # how many reverse proxies in front of the web processes add X-Forwarded-For (werkzeug's ProxyFix):
        # 0 trusts none, so a client cannot pick the address the rate limits and the audit trail see
        "PROXY_FIX_X_FOR": _count("PROXY_FIX_X_FOR", os.environ.get("PROXY_FIX_X_FOR"), 0),
        # app/passwords.py: OWASP's scrypt minimum; tests get cheaper parameters to stay fast
        "PASSWORD_HASH_METHOD": TEST_METHOD if env == "test" else PRODUCTION_METHOD,
        "SEEDING_ENABLED": os.environ.get("SEEDING_ENABLED", "") not in ("", "0", "false"),
        "DASHBOARD_CACHE_TTL": int(os.environ.get("DASHBOARD_CACHE_TTL", "300")),
        "DASHBOARD_FRESH_SECONDS": int(os.environ.get("DASHBOARD_FRESH_SECONDS", "60")),
        # live updates: leading edge + one trailing run per window; DASHBOARD_DEBOUNCE_SECONDS is its former name
        "DASHBOARD_THROTTLE_SECONDS": float(os.environ.get("DASHBOARD_THROTTLE_SECONDS")
                                            or os.environ.get("DASHBOARD_DEBOUNCE_SECONDS", "2")),
        "TURBO_WEBSOCKET_ROUTE": None,  # app/streams.py serves /turbo-stream itself
        "SOCK_SERVER_OPTIONS": {"ping_interval": 20},
        "RQ_DASHBOARD_REDIS_URL": redis_url,
        # people and settings: sign-up, invitations, password resets and their e-mail (app/mail.py)
        "ALLOW_SIGNUP": _flag(os.environ.get("ALLOW_SIGNUP"), default=env != "production"),
        "SIGNUP_RATE_LIMIT": os.environ.get("SIGNUP_RATE_LIMIT", "5 per minute"),
        "INVITE_RATE_LIMIT": os.environ.get("INVITE_RATE_LIMIT", "20 per minute"),
        "PASSWORD_RESET_RATE_LIMIT": os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute"),
        # single sign-on with OpenID Connect (app/auth/oidc.py): a list of {name, label, issuer, client_id, ...}
        "OIDC_PROVIDERS": oidc_providers(os.environ, env),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(os.environ.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _flag(os.environ.get("MAIL_USE_SSL"), False),
        "MAIL_TIMEOUT": 10,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Timeboard <timeboard@localhost>"),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR") or str(Path(instance_path) / "outbox"),
        # the site's public address: every link in every e-mail starts with it, in every process (app/mail.py)
        "APP_URL": app_url,
        "APP_URL_IS_DEFAULT": not (os.environ.get("APP_URL") or "").strip(),  # a worker warns (app/cli/jobs.py)
        # operator alerts (app/services/notifications/operator_alerts.py), in seconds
        "ALERT_QUEUE_AGE_SECONDS": int(os.environ.get("ALERT_QUEUE_AGE_SECONDS", "300")),
        "ALERT_WORKER_MISSING_SECONDS": int(os.environ.get("ALERT_WORKER_MISSING_SECONDS", "60")),
        "ALERT_RECURRING_LATE_SECONDS": int(os.environ.get("ALERT_RECURRING_LATE_SECONDS", "300")),
        "ALERT_REPEAT_SECONDS": int(os.environ.get("ALERT_REPEAT_SECONDS", "3600")),
        # report files (app/services/reports); relative paths are under the instance folder
        "REPORTS_DIR": str(Path(instance_path) / os.environ.get("REPORTS_DIR", "reports")),
        "REPORTS_RATE_LIMIT": os.environ.get("REPORTS_RATE_LIMIT", "30 per minute"),
    }
    if env == "test":
        config["TESTING"] = True
    config.update(overrides or {})
    return config
