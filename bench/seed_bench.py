"""Seeding speed: 1,000,000 time logs through app/seeding, against the naive ORM baseline.

    .venv/bin/python bench/seed_bench.py                  # fresh temporary SQLite database
    DATABASE_URL=postgresql://u:p@host/db .venv/bin/python bench/seed_bench.py
                                                          # ... and a temporary database on that server

The bulk path runs the real thing (the service `flask seed` calls). The baselines insert rows from the
same generator, the way a first seed script would: one ORM object per row, committed one at a time
(20,000 rows, extrapolated), and the ORM with one commit at the end. Options: --logs N, --sample N.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "test")
os.environ["RATELIMIT_ENABLED"] = "0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logs", type=int, default=1_000_000, help="time logs for the bulk run")
    parser.add_argument("--sample", type=int, default=20_000, help="rows for the naive ORM baseline")
    args = parser.parse_args()
    targets = [("SQLite", _sqlite_database)]
    if (os.environ.get("DATABASE_URL") or "").startswith("postgres"):
        targets.append(("PostgreSQL", _postgres_database))
    print(f"seeding {args.logs:,} time logs; baselines on {args.sample:,} rows, extrapolated")
    print(f"{'database':<11} {'method':<40} {'rows':>10} {'seconds':>9} {'logs/s':>10} {'vs naive':>9}")
    for label, database in targets:
        with database() as url:
            _bench(label, url, args.logs, args.sample)
    return 0


def _bench(label: str, url: str, logs: int, sample: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "APP_ENV": "test"})
    with app.app_context():
        upgrade()
        bulk = _bulk(db, logs)  # first, on the empty database
        naive = _orm_baseline(db, sample, commit_each=True)
        batched = _orm_baseline(db, sample, commit_each=False)
        db.engine.dispose()
    for method, (rows, seconds) in [
        ("naive ORM, one commit per row", naive), ("ORM, one commit", batched),
        ("bulk (seeding service" + (", COPY)" if label == "PostgreSQL" else ", executemany)"), bulk),
    ]:
        rate = rows / seconds
        print(f"{label:<11} {method:<40} {rows:>10,} {seconds:>9.2f} {rate:>10,.0f} {rate / naive_rate(naive):>8.1f}x")
    print(f"{label:<11} -> 1,000,000 logs: bulk {1_000_000 / (bulk[0] / bulk[1]):.1f}s, naive ORM "
          f"{1_000_000 / naive_rate(naive) / 60:.1f} min (extrapolated)")


def naive_rate(result: tuple[int, float]) -> float:
    return result[0] / result[1]


def _bulk(db, logs: int) -> tuple[int, float]:
    from app.seeding import seed
    from bench._databases import ORGANIZATIONS, PEOPLE, history_days

    # the shape of bench/run.py's databases: enough days of history for `logs`, then capped
    result = seed(orgs=ORGANIZATIONS, users_per_org=PEOPLE, days=history_days(logs), seed=1, max_logs=logs)
    return result.total("logs"), result.seconds


def _orm_baseline(db, sample: int, commit_each: bool) -> tuple[int, float]:
    """Rows from the same generator, inserted as ORM objects; the organization itself is set up untimed."""
    from app.models import TimeLog
    from app.seeding import RunContext, create_organization
    from app.seeding.worklogs import TIME_LOG_COLUMNS

    run = RunContext.create(seed=random.randrange(10**6), now=_now(), days=max(30, sample // 150))
    with db.engine.begin() as conn:
        org = create_organization(conn, run, 0, users=50, serial=uuid.uuid4().hex[:8], max_logs=sample)
    rows = [dict(zip(TIME_LOG_COLUMNS, row, strict=True)) for row in db.session.execute(
        db.select(*[TimeLog.__table__.c[c] for c in TIME_LOG_COLUMNS])
        .where(TimeLog.organization_id == org.id, TimeLog.end_time.is_not(None)))]
    db.session.execute(db.delete(TimeLog).where(TimeLog.organization_id == org.id))
    db.session.commit()
    started = time.perf_counter()
    for row in rows:
        db.session.add(TimeLog(**row))
        if commit_each:
            db.session.commit()
    db.session.commit()
    seconds = time.perf_counter() - started
    db.session.execute(db.delete(TimeLog).where(TimeLog.organization_id == org.id))
    db.session.commit()
    db.session.expunge_all()
    return len(rows), seconds


def _now():
    from app.models import utcnow

    return utcnow().replace(microsecond=0)


@contextmanager
def _sqlite_database():
    with tempfile.TemporaryDirectory(prefix="timeboard-bench-") as tmp:
        yield f"sqlite:///{tmp}/bench.sqlite3"


@contextmanager
def _postgres_database():
    """A throwaway database next to the one DATABASE_URL names (which is left untouched)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from app.config import database_url

    url = make_url(database_url(os.environ["DATABASE_URL"], "instance"))
    name = f"timeboard_bench_{os.getpid()}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    sys.exit(main())
