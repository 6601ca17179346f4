"""WSGI entry point: gunicorn wsgi:app, flask --app wsgi ..."""
from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # a setting every process needs (SECRET_KEY, APP_URL in production): say which, no traceback
    raise SystemExit(f"Timeboard cannot start: {exc}") from None
