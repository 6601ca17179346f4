"""gunicorn settings for the `web` process; everything a second instance changes comes from the environment."""
import os
import sys

bind = f"{os.environ.get('WEB_HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gthread spends one thread per open WebSocket (each dashboard tab holds one).
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "64"))
timeout = 120
graceful_timeout = 5
reload = os.environ.get("APP_ENV", "development") == "development"
control_socket_disable = True  # gunicorn 27 would otherwise open a socket under ~/.gunicorn
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG") else None
_log_format = os.environ.get("LOG_FORMAT", "").strip().lower()
if _log_format == "json" or (_log_format != "plain" and os.environ.get("APP_ENV") == "production"):
    # gunicorn's own lines as JSON too, like the app's (app/observability/logs.py)
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
                                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
                    "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def on_starting(server):
    """A setting every process needs (SECRET_KEY and APP_URL in production, a well-formed STREAM_URL): refused here,
    before any worker, with the message (a worker that cannot boot would only be started again and again)."""
    from app.config import ConfigError, load_config
    try:
        load_config(os.path.join(os.path.dirname(os.path.abspath(__file__)), "instance"))
    except ConfigError as exc:
        sys.exit(f"Timeboard cannot start: {exc}")


def child_exit(server, worker):
    """Multiprocess metrics (PROMETHEUS_MULTIPROC_DIR): a dead web worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
