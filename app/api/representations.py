"""What each resource looks like in JSON: one function per kind of record (the OpenAPI schemas say the same)."""
from __future__ import annotations

from datetime import datetime

from flask import url_for

from app.models import Client, Membership, Organization, Project, Report, Tag, Task, TimeLog, User


def timestamp(value: datetime | None) -> str | None:
    """Naive UTC as RFC 3339 with a Z."""
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def user(record: User) -> dict:
    return {"id": record.id, "email": record.email, "name": record.name, "time_zone": record.time_zone}


def me(record: User, scope: str) -> dict:
    return {**user(record), "is_system_admin": bool(record.is_system_admin), "token_scope": scope,
            "organizations": [{"id": m.organization_id, "role": m.role} for m in record.memberships]}


def organization(record: Organization, role: str | None) -> dict:
    return {"id": record.id, "name": record.name, "currency": record.currency, "week_start": record.week_start,
            "role": role, "created_at": timestamp(record.created_at)}


def member(record: Membership) -> dict:
    return {"user": user(record.user), "role": record.role, "joined_at": timestamp(record.created_at)}


def project(record: Project) -> dict:
    return {"id": record.id, "organization_id": record.organization_id, "name": record.name,
            "client_id": record.client_id, "team_id": record.team_id, "status": record.status,
            "billable": bool(record.billable),
            "budget_hours": None if record.budget_hours is None else f"{record.budget_hours:.2f}",
            "hourly_rate": None if record.hourly_rate is None else f"{record.hourly_rate:.2f}",
            "created_at": timestamp(record.created_at)}


def client(record: Client) -> dict:
    return {"id": record.id, "organization_id": record.organization_id, "name": record.name,
            "archived": bool(record.archived), "created_at": timestamp(record.created_at)}


def time_entry(record: TimeLog) -> dict:
    return {"id": record.id, "user_id": record.user_id, "organization_id": record.organization_id,
            "project_id": record.project_id, "start": timestamp(record.start_time), "end": timestamp(record.end_time),
            "duration_minutes": record.duration_minutes, "description": record.description,
            "billable": bool(record.billable), "running": record.end_time is None,
            "task_id": record.task_id, "tag_ids": [t.id for t in record.tags]}


def tag(record: Tag) -> dict:
    return {"id": record.id, "organization_id": record.organization_id, "name": record.name}


def task(record: Task) -> dict:
    return {"id": record.id, "project_id": record.project_id, "name": record.name}


def report(record: Report, has_file: bool) -> dict:
    done = record.status == "completed" and has_file
    return {"id": record.id, "organization_id": record.organization_id, "status": record.status,
            "phase": record.phase, "percent": record.percent, "format": record.format, "params": record.params,
            "rows": record.row_count, "bytes": record.byte_size, "error": record.error_message,
            "created_at": timestamp(record.created_at), "finished_at": timestamp(record.finished_at),
            "file_url": url_for("api.report_file", report_id=record.id) if done else None}
