"""The baseline of "computation": the same figures each dashboard shows, as hand-written SQL strings run on the
same connection, with no ORM query building, no Python post-processing (running timers' elapsed minutes,
charts, sorting, labels) and no caching. They read what the dashboards read (project_totals for all-time figures,
kept by triggers): keep them in step with app/dashboards/*_metrics.py.

bare_figures(kind, subject_id, periods) runs the queries of one dashboard and returns their raw rows. The
system dashboard's live job figures come from Redis (queue depths, worker count), not SQL: its baseline
has only the SQL part, and says so in the row's note.
"""
from __future__ import annotations

import re

from sqlalchemy import DateTime, bindparam, text

from app.extensions import db

FINISHED = "t.end_time IS NOT NULL"
RUNNING = """SELECT t.id, t.user_id, u.name, t.project_id, p.name, p.team_id, p.client_id, t.start_time, t.billable
  FROM time_logs t JOIN users u ON u.id = t.user_id JOIN projects p ON p.id = t.project_id
  WHERE {scope} AND t.end_time IS NULL ORDER BY t.start_time"""
ACTIVITY = """SELECT t.id, u.name, p.name, t.start_time, t.end_time, t.duration_minutes, t.description
  FROM time_logs t JOIN users u ON u.id = t.user_id JOIN projects p ON p.id = t.project_id
  WHERE {scope} ORDER BY t.start_time DESC, t.id DESC LIMIT 8"""


def window_sum(lo: str, hi: str = "tomorrow", extra: str = "") -> str:
    return (f"COALESCE(SUM(CASE WHEN t.start_time >= :{lo} AND t.start_time < :{hi}{extra} "
            f"THEN t.duration_minutes ELSE 0 END), 0)")


def daily_columns(column: str, what: str = "t.duration_minutes") -> str:
    """14 CASE columns, one per day of the periods' last 14 days (binds d0..d13 and tomorrow)."""
    bounds = [(f"d{i}", f"d{i + 1}" if i < 13 else "tomorrow") for i in range(14)]
    return ", ".join(f"COALESCE(SUM(CASE WHEN {column} >= :{lo} AND {column} < :{hi} THEN {what} ELSE 0 END), 0)"
                     for lo, hi in bounds)


USER_SCOPE = "t.user_id = :subject"
TEAM_SCOPE = ("t.organization_id = :org AND t.user_id IN "
              "(SELECT user_id FROM team_memberships WHERE team_id = :subject)")
ORG_SCOPE = "t.organization_id = :subject"

QUERIES: dict[str, list[str]] = {
    "user": [
        f"""SELECT {window_sum('today')}, {window_sum('week')}, {window_sum('month')},
                   {window_sum('month', extra=' AND t.billable')}
            FROM time_logs t WHERE {USER_SCOPE} AND {FINISHED} AND t.start_time >= :earliest""",
        RUNNING.format(scope=USER_SCOPE),
        f"""SELECT {daily_columns('t.start_time')} FROM time_logs t
            WHERE {USER_SCOPE} AND {FINISHED} AND t.start_time >= :d0""",
        f"""SELECT t.project_id, p.name, SUM(t.duration_minutes) FROM time_logs t
            JOIN projects p ON p.id = t.project_id
            WHERE {USER_SCOPE} AND {FINISHED} AND t.start_time >= :week AND t.start_time < :tomorrow
            GROUP BY t.project_id, p.name""",
        ACTIVITY.format(scope=USER_SCOPE),
    ],
    "team": [
        f"""SELECT {window_sum('today')}, {window_sum('week')} FROM time_logs t
            WHERE {TEAM_SCOPE} AND {FINISHED} AND t.start_time >= :since""",
        RUNNING.format(scope=TEAM_SCOPE),
        "SELECT COUNT(*) FROM team_memberships WHERE team_id = :subject",
        f"""SELECT u.id, u.name, COALESCE(SUM(t.duration_minutes), 0) FROM team_memberships m
            JOIN users u ON u.id = m.user_id
            LEFT JOIN time_logs t ON t.user_id = u.id AND t.organization_id = :org AND {FINISHED}
                 AND t.start_time >= :week AND t.start_time < :tomorrow
            WHERE m.team_id = :subject GROUP BY u.id, u.name""",
        """SELECT p.id, p.name, p.budget_hours, p.status, COALESCE(pt.minutes, 0) FROM projects p
           LEFT JOIN project_totals pt ON pt.project_id = p.id
           WHERE p.team_id = :subject ORDER BY p.status, p.name LIMIT 25""",
        RUNNING.format(scope="t.project_id IN (SELECT id FROM projects WHERE team_id = :subject)"),
        ACTIVITY.format(scope=TEAM_SCOPE),
    ],
    "org": [
        """SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0) FROM projects
           WHERE organization_id = :subject""",
        f"""SELECT {window_sum('today')}, {window_sum('week')}, {window_sum('week', extra=' AND t.billable')}
            FROM time_logs t WHERE {ORG_SCOPE} AND {FINISHED} AND t.start_time >= :since""",
        RUNNING.format(scope=ORG_SCOPE),
        *(f"""SELECT p.{column}, SUM(t.duration_minutes) FROM time_logs t JOIN projects p ON p.id = t.project_id
              WHERE {ORG_SCOPE} AND {FINISHED} AND t.start_time >= :week AND t.start_time < :tomorrow
              GROUP BY p.{column}""" for column in ("team_id", "client_id")),
        "SELECT id, name FROM teams WHERE organization_id = :subject",
        "SELECT id, name FROM clients WHERE organization_id = :subject",
        f"""SELECT t.project_id, p.name, SUM(t.duration_minutes) AS m FROM time_logs t
            JOIN projects p ON p.id = t.project_id
            WHERE {ORG_SCOPE} AND {FINISHED} AND t.start_time >= :month AND t.start_time < :tomorrow
            GROUP BY t.project_id, p.name ORDER BY m DESC LIMIT 20""",
        ACTIVITY.format(scope=ORG_SCOPE),
    ],
    "system": [
        *(f"""SELECT COUNT(*), COALESCE(SUM(CASE WHEN created_at >= :yesterday THEN 1 ELSE 0 END), 0)
              FROM {table}""" for table in ("organizations", "users", "projects")),
        "SELECT COALESCE(SUM(logs), 0) FROM project_totals",
        "SELECT COUNT(*) FROM time_logs WHERE created_at >= :yesterday",
        "SELECT COUNT(*) FROM time_logs WHERE end_time IS NULL",
        *(f"SELECT {daily_columns('created_at', '1')} FROM {table} WHERE created_at >= :d0"
          for table in ("time_logs", "users")),
        """SELECT queue, COUNT(*), COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)
           FROM job_statuses WHERE enqueued_at >= :yesterday GROUP BY queue""",
        "SELECT data FROM performance_snapshots ORDER BY taken_at DESC LIMIT 1",
    ],
}


def bind_values(periods, subject_id: int | None, organization_id: int | None) -> dict:
    """Every name the queries bind: the periods' bounds (datetimes), the subject and its organization."""
    from datetime import timedelta

    p = periods
    values = {"today": p.today, "tomorrow": p.tomorrow, "week": p.week, "month": p.month, "earliest": p.earliest,
              "since": min(p.week, p.today), "yesterday": p.now - timedelta(days=1),
              **{f"d{i}": start for i, start in enumerate(p.day_starts)}}
    return {**values, "subject": subject_id, "org": organization_id}


def bound_names(sql: str) -> set[str]:
    return set(re.findall(r"(?<!:):(\w+)", sql))


def statement(sql: str, values: dict):
    """text(sql) with the datetimes it names bound as DateTime, so they are stored-format strings on SQLite."""
    names = [n for n in bound_names(sql) if hasattr(values[n], "isoformat")]
    return text(sql).bindparams(*(bindparam(n, type_=DateTime()) for n in names))


def bare_figures(kind: str, subject_id: int | None, organization_id: int | None, periods) -> list[list]:
    """Run one dashboard's hand-written queries on the session's connection; their rows."""
    values = bind_values(periods, subject_id, organization_id)
    conn = db.session.connection()
    results = []
    for sql in QUERIES[kind]:
        params = {n: values[n] for n in bound_names(sql)}
        results.append(conn.execute(statement(sql, values), params).all())
    return results
