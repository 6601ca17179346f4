"""Engine settings: a forked child never reuses its parent's connections; SQLite gets WAL, a busy timeout and
foreign keys."""
from __future__ import annotations

import os
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    _forget_connections_in_forked_children(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the worker's writes
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _forget_connections_in_forked_children(engine: Engine) -> None:
    """A forked process (an RQ work-horse, a gunicorn worker) must open its own connections: two processes on
    one PostgreSQL connection interleave their messages, and psycopg's prepared statements (named per
    connection, after a statement's fifth use) collide ("prepared statement _pg3_0 already exists"). The pool's
    inherited connections are dropped in the child without being closed, as they still serve the parent."""
    ref = weakref.ref(engine)

    def forget() -> None:
        child_engine = ref()
        if child_engine is not None:
            child_engine.dispose(close=False)

    os.register_at_fork(after_in_child=forget)
