"""Report jobs: generate one report (queue `reports`), and the weekly archival of old report files."""
from __future__ import annotations

from app.reports import archival, runs


def generate_report(report_id: int) -> str:
    return runs.build_report(report_id)


def archive_reports() -> str:
    return f"compressed {archival.archive_old_files():,} report files"
