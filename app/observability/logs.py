"""Logging for every process: one JSON object a line in production (APP_ENV=production, or LOG_FORMAT=json),
plain lines otherwise; each line carries the request id (app/web/request_id.py) and, inside a job, the job's id.

    {"time": "...", "level": "INFO", "logger": "app.background.enqueue", "message": "enqueued ...",
     "request_id": "3f2c...", "job_id": null}
"""
from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from app.web import request_id

PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_tag)s]: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s %(process)d"
_MARK = "_timeboard_handler"


class ContextFilter(logging.Filter):
    """Adds request_id and job_id to every record (None outside a request or a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.current()
        if not hasattr(record, "job_id"):
            record.job_id = request_id.current_job()
        record.request_tag = record.request_id or "-"
        return True


def wants_json(env: str, fmt: str = "") -> bool:
    """LOG_FORMAT `fmt`: json, plain, or "" (json in production)."""
    return fmt == "json" or (fmt != "plain" and env == "production")


def formatter(json_lines: bool) -> logging.Formatter:
    if json_lines:
        return JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
    return logging.Formatter(PLAIN)


def configure(env: str, fmt: str = "", level: int = logging.INFO) -> None:
    """Install the one handler on the root logger (once per process; calling again only sets its format)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, _MARK, False)), None)
    if handler is None:
        for old in list(root.handlers):  # a basicConfig() from before (not a test runner's capturing handlers)
            if type(old) is logging.StreamHandler:
                root.removeHandler(old)
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _MARK, True)
        handler.addFilter(ContextFilter())
        root.addHandler(handler)
    handler.setFormatter(formatter(wants_json(env, fmt)))
    root.setLevel(level)
