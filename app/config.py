"""Configuration, read from the environment in one place."""
from __future__ import annotations

import os
from pathlib import Path

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


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = (overrides or {}).get("APP_ENV") or os.environ.get("APP_ENV", "development")
    if env not in ("development", "production", "test"):
        raise ConfigError(f"APP_ENV must be development, production or test, not {env!r}")
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        secret = "dev-only-not-secret"
    config = {
        "APP_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "PORT": int(os.environ.get("PORT", "5000")),
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        # Redis down must not take sign-in down with it: count in memory until it is back.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "SEEDING_ENABLED": os.environ.get("SEEDING_ENABLED", "") not in ("", "0", "false"),
        "DASHBOARD_CACHE_TTL": int(os.environ.get("DASHBOARD_CACHE_TTL", "300")),
        "DASHBOARD_DEBOUNCE_SECONDS": float(os.environ.get("DASHBOARD_DEBOUNCE_SECONDS", "1")),
        "TURBO_WEBSOCKET_ROUTE": None,  # app/streams.py serves /turbo-stream itself
        "SOCK_SERVER_OPTIONS": {"ping_interval": 20},
        "RQ_DASHBOARD_REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    if env == "test":
        config["TESTING"] = True
    config.update(overrides or {})
    return config
