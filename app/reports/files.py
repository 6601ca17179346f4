"""Report files: where they are kept (REPORTS_DIR), a report's path, its MIME type, deleting one. The report job
writes them (runs.py), archival compresses old ones, downloads and scheduled e-mails read them."""
from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from app.models import Report

MIME = {"csv": "text/csv", "zip": "application/zip", "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def reports_dir() -> Path:
    return Path(current_app.config["REPORTS_DIR"])


def file_path(report: Report) -> Path | None:
    if not report.file_path:
        return None
    return reports_dir() / report.file_path


def file_exists(report: Report) -> bool:
    path = file_path(report)
    return path is not None and path.is_file()


def remove_partial_files(report: Report) -> int:
    """Remove what an attempt that did not finish left in REPORTS_DIR (every file of an attempt starts with
    "report-<id>-", its temporary ones too); the report's own finished file stays. Returns how many."""
    removed = 0
    for path in reports_dir().glob(f"report-{report.id}-*"):
        if path.name == report.file_path:
            continue
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def delete_file(name: str | None) -> None:
    if not name:
        return
    try:
        os.unlink(reports_dir() / name)
    except FileNotFoundError:
        pass
