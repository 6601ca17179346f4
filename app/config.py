"""Configuration, read from the environment here and nowhere else in app/.

load_config() builds the app's config from one small reader per section (core, database, Redis, security, streams
and the gateway, jobs, mail, reports, notifications, observability); the rest of the code reads app.config. The
one value needed before any app exists (presence_ttl(), read when app/live/presence.py is imported) has its own
reader here too.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from app.passwords import PRODUCTION_METHOD, TEST_METHOD
from app.redis_client import request_options
from app.web.origins import normalize_origins

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production", "test")


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


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment a process of ours starts another with (the gateway's supervisor): this one's, with
    `overrides`. Here because this module is the one reader of the environment."""
    return {**os.environ, **overrides}


def presence_ttl(environ: Mapping[str, str] = os.environ) -> int:
    """Seconds a stream topic stays marked as watched after its last refresh (app/live/presence.py)."""
    return int(environ.get("PRESENCE_TTL", "60"))


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


def load_config(instance_path: str, overrides: dict | None = None, environ: Mapping[str, str] | None = None) -> dict:
    environ = os.environ if environ is None else environ
    env = (overrides or {}).get("APP_ENV") or environ.get("APP_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be development, production or test, not {env!r}")
    config: dict = {}
    for section in (_core, _database, _redis, _security, _streams, _jobs, _mail, _reports, _notifications,
                    _observability, _languages):
        config.update(section(environ, env, instance_path))
    if env == "test":
        config["TESTING"] = True
    config.update(overrides or {})
    return config


def _core(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    secret = environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        secret = "dev-only-not-secret"
    return {
        "APP_ENV": env,
        "SECRET_KEY": secret,
        "PORT": int(environ.get("PORT", "5000")),
        # the site's public address: every link in every e-mail and alert starts with it, in every process
        # (app/notifications/mail.py app_url_for)
        "APP_URL": app_url_from(environ.get("APP_URL"), env, environ.get("PORT", "5000")),
        "APP_URL_IS_DEFAULT": not (environ.get("APP_URL") or "").strip(),  # a worker warns (app/cli/jobs.py)
    }


def _database(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(environ.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def _redis(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    redis_url = environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return {"REDIS_URL": redis_url, "RQ_DASHBOARD_REDIS_URL": redis_url}


def _security(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    production = env == "production"
    return {
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        # every cookie we set: never sent on cross-site subrequests or POSTs, HTTPS-only in production
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        # plain HTTP is redirected to HTTPS in production (a TLS proxy must send X-Forwarded-Proto)
        "FORCE_HTTPS": _flag(environ.get("FORCE_HTTPS"), default=production),
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI") or environ.get("REDIS_URL",
                                                                                     "redis://127.0.0.1:6379/0"),
        "RATELIMIT_ENABLED": environ.get("RATELIMIT_ENABLED", "1") != "0",
        # Redis down must not take sign-in down with it: count in memory until it is back.
        "RATELIMIT_SWALLOW_ERRORS": True,
        # ...at once: the same short timeouts, no retries and breaker as every Redis call of a request
        "RATELIMIT_STORAGE_OPTIONS": request_options(),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,  # a 429 says when to try again (Retry-After, in seconds)
        "LOGIN_RATE_LIMIT": environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # failed sign-ins per account (app/accounts/sign_in_limits.py): this many within the window lock the
        # account's sign-in from unknown browsers for LOGIN_LOCK_SECONDS, doubling at each lock, at most
        # LOGIN_LOCK_MAX_SECONDS; a browser that signed in to the account before is not locked out by others
        "LOGIN_ACCOUNT_FAILURES": _count("LOGIN_ACCOUNT_FAILURES", environ.get("LOGIN_ACCOUNT_FAILURES"), 10),
        "LOGIN_ACCOUNT_WINDOW_SECONDS": _count("LOGIN_ACCOUNT_WINDOW_SECONDS",
                                               environ.get("LOGIN_ACCOUNT_WINDOW_SECONDS"), 900),
        "LOGIN_LOCK_SECONDS": _count("LOGIN_LOCK_SECONDS", environ.get("LOGIN_LOCK_SECONDS"), 120),
        "LOGIN_LOCK_MAX_SECONDS": _count("LOGIN_LOCK_MAX_SECONDS", environ.get("LOGIN_LOCK_MAX_SECONDS"), 900),
        # how many reverse proxies in front of the web processes add X-Forwarded-For (werkzeug's ProxyFix):
        # 0 trusts none, so a client cannot pick the address the rate limits and the audit trail see
        "PROXY_FIX_X_FOR": _count("PROXY_FIX_X_FOR", environ.get("PROXY_FIX_X_FOR"), 0),
        # app/passwords.py: OWASP's scrypt minimum; tests get cheaper parameters to stay fast
        "PASSWORD_HASH_METHOD": TEST_METHOD if env == "test" else PRODUCTION_METHOD,
        # single sign-on with OpenID Connect (app/accounts/oidc.py): a list of {name, label, issuer, client_id, ...}
        "OIDC_PROVIDERS": oidc_providers(environ, env),
        # people and settings: sign-up, invitations and password resets
        "ALLOW_SIGNUP": _flag(environ.get("ALLOW_SIGNUP"), default=not production),
        "SIGNUP_RATE_LIMIT": environ.get("SIGNUP_RATE_LIMIT", "5 per minute"),
        "INVITE_RATE_LIMIT": environ.get("INVITE_RATE_LIMIT", "20 per minute"),
        "PASSWORD_RESET_RATE_LIMIT": environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute"),
        # the REST API (/api/v1): requests per personal access token
        "API_RATE_LIMIT": environ.get("API_RATE_LIMIT", "600 per minute"),
    }


def _streams(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    stream_url = environ.get("STREAM_URL", "").strip()
    if stream_url and not stream_url.startswith(("/", ":", "ws://", "wss://")):
        raise ConfigError(f"STREAM_URL must be a path, :port/path or a ws(s):// URL, not {stream_url!r}")
    return {
        # origins besides the app's own whose pages may open /turbo-stream (comma-separated)
        "ALLOWED_ORIGINS": normalize_origins(environ.get("ALLOWED_ORIGINS", "")),
        # where pages open their stream socket (app/live/stream_url.py): unset = same origin /turbo-stream
        "STREAM_URL": stream_url,
        # the stream gateway process (`flask gateway`, app/live/gateway)
        "GATEWAY_HOST": environ.get("GATEWAY_HOST", "127.0.0.1"),
        "GATEWAY_PORT": int(environ.get("GATEWAY_PORT", "5100")),
        # gateway processes on that port (`flask gateway`; 0: one per core): a broadcast uses that many cores
        "GATEWAY_PROCESSES": _count("GATEWAY_PROCESSES", environ.get("GATEWAY_PROCESSES"), 1),
        "GATEWAY_RECHECK_SECONDS": float(environ.get("GATEWAY_RECHECK_SECONDS", "30")),
        # the share of streams (0 to 1) whose pages acknowledge when Turbo applied them: the latency histogram
        "GATEWAY_LATENCY_SAMPLE": float(environ.get("GATEWAY_LATENCY_SAMPLE", "0.1")),
        # development and tests: pages on one port, the gateway on another (see app/live/gateway/auth.py)
        "GATEWAY_SAME_HOST_ANY_PORT": _flag(environ.get("GATEWAY_SAME_HOST_ANY_PORT"), False),
        "PRESENCE_TTL": presence_ttl(environ),
        # each topic's history (app/live/history.py): a reconnecting page is sent what it missed from the last
        # STREAM_HISTORY_LENGTH streams of the last STREAM_HISTORY_SECONDS seconds; further back, it refreshes
        "STREAM_HISTORY_LENGTH": int(environ.get("STREAM_HISTORY_LENGTH", "200")),
        "STREAM_HISTORY_SECONDS": int(environ.get("STREAM_HISTORY_SECONDS", "300")),
        "TURBO_WEBSOCKET_ROUTE": None,  # turbo-flask's own socket route is off: the gateway holds the sockets
    }


def _jobs(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    return {
        "SEEDING_ENABLED": environ.get("SEEDING_ENABLED", "") not in ("", "0", "false"),
        "DASHBOARD_CACHE_TTL": int(environ.get("DASHBOARD_CACHE_TTL", "300")),
        "DASHBOARD_FRESH_SECONDS": int(environ.get("DASHBOARD_FRESH_SECONDS", "60")),
        # live updates: leading edge + one trailing run per window; DASHBOARD_DEBOUNCE_SECONDS is its former name
        "DASHBOARD_THROTTLE_SECONDS": float(environ.get("DASHBOARD_THROTTLE_SECONDS")
                                            or environ.get("DASHBOARD_DEBOUNCE_SECONDS", "2")),
        # webhooks may be sent to loopback, private and link-local addresses: on in development and tests, off in
        # production (an endpoint there must not reach the servers behind the firewall)
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": _flag(environ.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"),
                                                 default=env != "production"),
    }


def _mail(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    return {  # app/notifications/mail.py: without MAIL_SERVER every message is a file in OUTBOX_DIR
        "MAIL_SERVER": environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(environ.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _flag(environ.get("MAIL_USE_SSL"), False),
        "MAIL_TIMEOUT": 10,
        "MAIL_FROM": environ.get("MAIL_FROM", "Timeboard <timeboard@localhost>"),
        "OUTBOX_DIR": environ.get("OUTBOX_DIR") or str(Path(instance_path) / "outbox"),
    }


def _reports(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    return {  # report files (app/reports/files.py); a relative REPORTS_DIR is under the instance folder
        "REPORTS_DIR": str(Path(instance_path) / environ.get("REPORTS_DIR", "reports")),
        "REPORTS_RATE_LIMIT": environ.get("REPORTS_RATE_LIMIT", "30 per minute"),
    }


def _notifications(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    return {  # operator alerts (app/notifications/operator_alerts.py), in seconds
        "ALERT_QUEUE_AGE_SECONDS": int(environ.get("ALERT_QUEUE_AGE_SECONDS", "300")),
        "ALERT_WORKER_MISSING_SECONDS": int(environ.get("ALERT_WORKER_MISSING_SECONDS", "60")),
        "ALERT_RECURRING_LATE_SECONDS": int(environ.get("ALERT_RECURRING_LATE_SECONDS", "300")),
        "ALERT_REPEAT_SECONDS": int(environ.get("ALERT_REPEAT_SECONDS", "3600")),
    }


def _observability(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    return {
        "METRICS_TOKEN": environ.get("METRICS_TOKEN", ""),
        # multiprocess metrics: one directory per machine shared by every process (app/admin/metrics.py)
        "PROMETHEUS_MULTIPROC_DIR": environ.get("PROMETHEUS_MULTIPROC_DIR", ""),
        "LOG_FORMAT": environ.get("LOG_FORMAT", "").strip().lower(),  # json | plain | "" (json in production)
        "SENTRY_DSN": environ.get("SENTRY_DSN", "").strip(),
        "SENTRY_TRACES_SAMPLE_RATE": float(environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        "PUBLIC_URL": environ.get("PUBLIC_URL", "").rstrip("/"),  # the jobs' links in Sentry events
    }


def _languages(environ: Mapping[str, str], env: str, instance_path: str) -> dict:
    # The CLI's language (app/i18n.py): TIMEBOARD_LANGUAGE, else the locale variables gettext itself reads, in
    # gettext's order; a language Timeboard does not speak (or C, POSIX) is English.
    names = ("TIMEBOARD_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    return {"CLI_LANGUAGE": next((environ[name] for name in names if environ.get(name)), "")}
