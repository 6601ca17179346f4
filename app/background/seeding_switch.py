"""The on/off switch for continuous data seeding, shared by every process through Redis.

`flask seeding start|stop` store an explicit choice; without one, the SEEDING_ENABLED setting
decides. The scheduler reads the switch on every loop, so a change needs no restart.
"""
from __future__ import annotations

from flask import current_app

from app.redis_client import get_redis

KEY = "timeboard:seeding:enabled"


def set_enabled(enabled: bool) -> None:
    get_redis().set(KEY, "1" if enabled else "0")


def clear() -> None:
    """Forget the stored choice: SEEDING_ENABLED decides again."""
    get_redis().delete(KEY)


def state() -> tuple[bool, str]:
    """(enabled, why) — why is "flask seeding start", "flask seeding stop" or the setting."""
    stored = get_redis().get(KEY)
    if stored is not None:
        on = stored == b"1"
        return on, "flask seeding start" if on else "flask seeding stop"
    on = bool(current_app.config.get("SEEDING_ENABLED"))
    return on, f"SEEDING_ENABLED is {'set' if on else 'not set'}"


def is_enabled() -> bool:
    return state()[0]
