"""Fast inserts with SQLAlchemy Core: RETURNING for the few rows whose ids we need, big executemany
batches for the many (time logs), and COPY on PostgreSQL (psycopg 3), which is several times faster.

The ORM would build, track and flush one object per row: fine for a demo account, far too slow for
a million logs (bench/seed_bench.py measures both).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import Connection, DateTime, Table, insert

from app.models import Client, Membership, Organization, Project, Team, TeamMembership, TimeLog, User
from app.seeding.generator import OrgPlan
from app.seeding.worklogs import TIME_LOG_COLUMNS

BATCH_SIZE = 20_000


@dataclass
class OrgIds:
    organization: int
    teams: list[int]
    clients: list[int]
    users: list[int]  # same order as plan.users
    projects: list[int]  # same order as plan.projects
    rows: int  # rows written for the structure (everything but time logs)


def insert_returning_ids(conn: Connection, table: Table, rows: list[dict]) -> list[int]:
    """Insert rows and return their new ids in the order given (insertmanyvalues on SQLite and PostgreSQL)."""
    if not rows:
        return []
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def insert_organization(conn: Connection, plan: OrgPlan, password_hash: str) -> OrgIds:
    """Write everything of a plan but its time logs; timestamps derive from plan.created_at."""
    at = plan.created_at
    org_id = insert_returning_ids(conn, Organization.__table__, [dict(
        name=plan.name, organization_type=plan.organization_type, description=plan.description, created_at=at,
    )])[0]
    team_ids = insert_returning_ids(conn, Team.__table__, [
        dict(organization_id=org_id, name=name, created_at=at) for name in plan.teams])
    client_ids = insert_returning_ids(conn, Client.__table__, [
        dict(organization_id=org_id, name=name, archived=archived, created_at=at) for name, archived in plan.clients])
    new_users = [(i, u) for i, u in enumerate(plan.users) if u.existing_id is None]
    new_ids = iter(insert_returning_ids(conn, User.__table__, [
        dict(email=u.email, name=u.name, password_hash=password_hash, time_zone=u.time_zone, is_system_admin=False,
             created_at=_joined(at, i)) for i, u in new_users]))
    user_ids = [u.existing_id if u.existing_id is not None else next(new_ids) for u in plan.users]
    conn.execute(insert(Membership.__table__), [
        dict(organization_id=org_id, user_id=uid, role=u.role, created_at=_joined(at, i))
        for i, (uid, u) in enumerate(zip(user_ids, plan.users, strict=True))])
    team_memberships = [dict(team_id=team_ids[t], user_id=uid)
                        for uid, u in zip(user_ids, plan.users, strict=True) for t in u.teams]
    if team_memberships:
        conn.execute(insert(TeamMembership.__table__), team_memberships)
    project_ids = insert_returning_ids(conn, Project.__table__, [
        dict(organization_id=org_id, name=p.name, status=p.status, budget_hours=p.budget_hours, billable=p.billable,
             client_id=None if p.client is None else client_ids[p.client],
             team_id=None if p.team is None else team_ids[p.team], created_at=at)
        for p in plan.projects])
    rows = 1 + len(team_ids) + len(client_ids) + len(new_users) + len(user_ids) + len(team_memberships)
    return OrgIds(org_id, team_ids, client_ids, user_ids, project_ids, rows + len(project_ids))


def _joined(created_at: datetime, position: int) -> datetime:
    return created_at + timedelta(hours=position)


def insert_time_logs(conn: Connection, rows: Iterable[tuple], on_batch: Callable[[int], None] | None = None,
                     batch_size: int = BATCH_SIZE) -> int:
    """Insert time-log tuples (worklogs.TIME_LOG_COLUMNS order) in batches; returns how many."""

    return insert_tuples(conn, TimeLog.__table__, TIME_LOG_COLUMNS, rows, on_batch, batch_size)


def insert_tuples(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple],
                  on_batch: Callable[[int], None] | None = None, batch_size: int = BATCH_SIZE) -> int:
    write = _copy_writer(conn, table, columns) or _executemany_writer(conn, table, columns)
    total = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, batch_size)):
        write(batch)
        total += len(batch)
        if on_batch:
            on_batch(len(batch))
    return total


def _executemany_writer(conn: Connection, table: Table, columns: Sequence[str]) -> Callable[[list[tuple]], None]:
    """One executemany per batch of the compiled INSERT, values converted by the column types' own
    bind processors (what Core would do, without building and walking a dict per row).

    SQLite datetimes are the exception: SQLAlchemy's processor formats through a dict and dominates
    the profile, so they are written with datetime.isoformat, which gives the very same text
    (tests/db/test_seeding.py holds that).
    """
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    order = compiled.positiontup if compiled.positional else None
    if order is None or list(order) != list(columns):
        return lambda batch: conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in batch])
    converters = []
    for position, name in enumerate(columns):
        column_type = table.c[name].type
        if dialect.name == "sqlite" and isinstance(column_type, DateTime):
            converters.append((position, _memoized(sqlite_datetime)))
        elif (processor := column_type.dialect_impl(dialect).bind_processor(dialect)) is not None:
            converters.append((position, processor))
    sql = str(compiled)

    def convert(row: tuple) -> tuple:
        values = list(row)
        for position, processor in converters:
            values[position] = processor(values[position])
        return tuple(values)

    return lambda batch: conn.exec_driver_sql(sql, [convert(row) for row in batch])


def _memoized(convert: Callable[[datetime | None], str | None]) -> Callable[[datetime | None], str | None]:
    """Seeded timestamps sit on a minute grid and end == created_at == updated_at: most repeat."""
    memo: dict = {}

    def converted(value):
        text = memo.get(value)
        if text is None:
            text = memo[value] = convert(value)
        return text

    return converted


def sqlite_datetime(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME storage format, "2026-01-05 09:30:00.000000"."""
    return None if value is None else value.isoformat(" ", "microseconds")


def _copy_writer(conn: Connection, table: Table, columns: Sequence[str]) -> Callable[[list[tuple]], None] | None:
    """COPY ... FROM STDIN through psycopg 3 when the database is PostgreSQL; None elsewhere."""
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        return None
    raw = conn.connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"

    def write(batch: list[tuple]) -> None:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in batch:
                copy.write_row(row)

    return write
