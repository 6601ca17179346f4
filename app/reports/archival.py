"""Report files age: after ARCHIVE_AFTER they are gzip-compressed in place (the download still gives the
original file, decompressed, under its name); when a report expires, cleanup deletes the record and its
file (app/maintenance/cleanup.py). Neither ever touches time data."""
from __future__ import annotations

import gzip
import os
import shutil
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Report, ReportState, utcnow
from app.reports.files import reports_dir

ARCHIVE_AFTER = timedelta(days=30)


def _candidates(now):
    return select(Report).where(Report.status == ReportState.COMPLETED, Report.archived.is_(False),
                                Report.file_path.is_not(None), Report.finished_at < now - ARCHIVE_AFTER)


def count_archivable(now=None) -> int:
    now = now or utcnow()
    return db.session.scalar(select(func.count()).select_from(_candidates(now).subquery()))


def archive_old_files(now=None) -> int:
    """Compress every completed report's file older than ARCHIVE_AFTER; returns how many were compressed."""
    now = now or utcnow()
    done = 0
    for report in db.session.scalars(_candidates(now)).all():
        source = reports_dir() / report.file_path
        if not source.is_file():
            continue  # deleted by hand: the page says "file missing"
        target = source.with_name(source.name + ".gz")
        with open(source, "rb") as src, gzip.open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        report.file_path, report.archived = target.name, True
        db.session.commit()
        os.unlink(source)
        done += 1
    return done


def delete_files(reports) -> None:
    """Cleanup's hook: remove the files of reports about to be deleted."""
    for report in reports:
        if report.file_path:
            try:
                os.unlink(reports_dir() / report.file_path)
            except FileNotFoundError:
                pass


def open_file(report: Report):
    """A binary file object with the report's original content (decompressed when archived)."""
    path = reports_dir() / report.file_path
    return gzip.open(path, "rb") if report.archived else open(path, "rb")  # noqa: SIM115 (send_file closes it)
