"""Migrations keep the data they do not change: on SQLite, altering a table means copying it and dropping the old
one, and with foreign keys on that DROP deleted every row referencing it through ON DELETE CASCADE (rebuilding
`organizations` or `projects` emptied time_logs). migrations/env.py turns the keys off while migrating."""
from __future__ import annotations

from sqlalchemy import text

BEFORE_THE_REBUILDS = "8920365e8c1f"  # before organizations and projects were first altered (3b5e1c7d2a90)


def test_down_and_up_through_every_table_rebuild_keeps_every_time_log(db, factory, app):
    from flask_migrate import downgrade, upgrade

    org = factory.organization()
    member = factory.user(org)
    for _ in range(3):
        factory.time_log(member, factory.project(org))
    db.session.commit()
    db.session.remove()
    counts = "SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM projects), " \
             "(SELECT count(*) FROM time_logs)"
    try:
        downgrade(revision=BEFORE_THE_REBUILDS)
        with db.engine.connect() as conn:
            assert tuple(conn.execute(text(counts)).one()) == (1, 3, 3)
        upgrade()
        with db.engine.connect() as conn:
            assert tuple(conn.execute(text(counts)).one()) == (1, 3, 3)
    finally:
        upgrade()
