"""Cursor pagination over (start_time desc, id desc): the cursor is opaque to clients (base64 of the last row's
sort key), stable while rows are added or removed, and never skips or repeats a row."""
from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy import Select, and_, or_

from app.models import TimeLog

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode(log: TimeLog) -> str:
    raw = json.dumps([log.start_time.isoformat(), log.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        start, log_id = json.loads(raw)
        if not isinstance(log_id, int) or isinstance(log_id, bool) or not isinstance(start, str):
            return None
        return datetime.fromisoformat(start), log_id
    except (ValueError, TypeError):
        return None


def after(query: Select, position: tuple[datetime, int]) -> Select:
    start, log_id = position
    return query.where(or_(TimeLog.start_time < start, and_(TimeLog.start_time == start, TimeLog.id < log_id)))


def ordered(query: Select) -> Select:
    return query.order_by(TimeLog.start_time.desc(), TimeLog.id.desc())
