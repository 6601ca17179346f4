"""Import jobs (queue `default`): an uploaded file's dry run, and its import."""
from __future__ import annotations

from app.imports import runs


def plan_import(import_id: int) -> str:
    return runs.plan(import_id)


def run_import(import_id: int) -> str:
    return runs.run(import_id)
