"""Configuration, read from the environment in one place."""
from __future__ import annotations

import os
from pathlib import Path

from app.origins import normalize_origins
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


def _flag(raw: str | None, default: bool) -> bool:
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


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
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(os.environ.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _flag(os.environ.get("MAIL_USE_SSL"), False),
        "MAIL_TIMEOUT": 10,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Timeboard <timeboard@localhost>"),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR") or str(Path(instance_path) / "outbox"),
        # notifications: links in e-mails sent by jobs (no request to take the host from)
        "APP_URL": (os.environ.get("APP_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}").rstrip("/"),
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
