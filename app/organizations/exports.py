"""Full exports of an organization (issue 20 F): ask for one (request_export, which enqueues export_later), write
it in the job (build_export: progress on the record, on the job's JobStatus and on the organization's export
topic), find its file, and the ZIP itself (write_zip, also used by `flask export organization`).

The ZIP holds <table>.csv and <table>.json for every table of export_tables.TABLES (only the organization's rows),
and manifest.json (version, created_at, organization, rows per file). CSV text cells go through the reports'
formula-injection guard (text_cell); numbers are written as they are; JSON keeps the values as they are.
The phase, the notice and the streamed partial are text for people: in the language of whoever asked (_speaking).
"""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.background import tracking
from app.background.enqueue import enqueue_for
from app.extensions import db
from app.i18n import speaking_to
from app.live.streams import broadcast, broadcast_stream, refresh_stream
from app.live.topics import ExportTopic
from app.models import Export, ExportState, JobState, JobStatus, Organization, User, utcnow
from app.notifications.notify import notify
from app.organizations import audit
from app.organizations.export_tables import TABLES
from app.reports.files import reports_dir
from app.reports.writers.cells import text_cell
from app.web.helpers import dom_id

log = logging.getLogger(__name__)

KIND = "organization_export"
MANIFEST_VERSION = 1
Progress = Callable[[int, str], None]


# -- asking for one -------------------------------------------------------------------------------------
def request_export(actor: User, organization: Organization) -> Export:
    """A pending Export, recorded in the audit trail and committed; then its job is enqueued (a failed enqueue fails
    the record, with why)."""
    export = Export(organization_id=organization.id, user_id=actor.id, phase=_("Waiting for a worker"))
    db.session.add(export)
    db.session.flush()
    audit.record("organization.export", organization=organization, actor=actor, target=organization.name,
                 details={"export_id": export.id})
    db.session.commit()
    return export_later(export)


def export_later(export: Export) -> Export:
    with _speaking(export):
        return enqueue_for(export, KIND, _("the export"))


def _speaking(export: Export) -> AbstractContextManager:
    """The language of the export's texts: its requester's (the page is theirs and their fellow owners')."""
    return speaking_to(export.user) if export.user is not None else nullcontext()


def exports_of(organization_id: int, limit: int = 20) -> list[Export]:
    return list(db.session.scalars(select(Export).where(Export.organization_id == organization_id)
                                   .order_by(Export.id.desc()).limit(limit)))


# -- the job's work ------------------------------------------------------------------------------------
def build_export(export_id: int) -> str:
    """Write the export's ZIP under REPORTS_DIR; idempotent (a completed export is left as it is) and safe to
    retry (an attempt writes a temporary file first and renames it only when complete)."""
    export = db.session.get(Export, export_id)
    if export is None:
        return f"export {export_id} no longer exists"
    if export.status == ExportState.COMPLETED:
        return f"export {export_id} is already done"
    with _speaking(export):
        return _build(export)


def _build(export: Export) -> str:
    export_id = export.id
    export.start()
    _save(export)
    name = f"export-{export.id}-{utcnow():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}.zip"
    reports_dir().mkdir(parents=True, exist_ok=True)

    def on_progress(percent: int, message: str) -> None:
        export.progress(percent, message)
        _save(export)
        tracking.report_progress(percent, message)

    try:
        counts, size = write_zip(export.organization_id, reports_dir() / name, on_progress)
    except Exception as exc:
        db.session.rollback()
        export = db.session.get(Export, export_id)
        if export is not None:
            export.fail(f"{type(exc).__name__}: {exc}")
            _save(export)
        raise
    export.complete(name, size, counts)
    _save(export)
    _tell_owner(export)
    return f"export {export_id}: {sum(counts.values()):,} rows in {len(counts)} tables, {size:,} bytes"


def follow_job(status: JobStatus) -> None:
    """The reconciler changed the export's job (its worker died: app/background/catalog.py's follower): the export
    follows at once, so its page never shows "running" forever. Queued again: back to waiting, the dead attempt's
    partial file removed; failed or canceled: failed, with why."""
    export = db.session.scalar(select(Export).where(Export.rq_job_id == status.rq_job_id))
    if export is None or not export.is_active:
        return
    for partial in reports_dir().glob(f"export-{export.id}-*.part"):
        partial.unlink(missing_ok=True)
    with _speaking(export):
        if status.status == JobState.PENDING:
            export.status, export.percent, export.phase = ExportState.PENDING, 0, _("Waiting for a worker (again)")
        elif status.status == JobState.FAILED:
            export.fail(status.error_message or _("The export's job failed before it finished."))
        elif status.status == JobState.CANCELED:
            export.fail(status.error_message or _("The export's job was canceled before it finished."))
        else:
            return
        _save(export)


def _tell_owner(export: Export) -> None:
    if export.user is None:
        return
    try:
        notify(export.user, "export_ready", f"export:{export.id}:ready",
               _("The export of %(name)s is ready", name=export.organization.name),
               _("%(rows)s rows. Download it within 7 days.", rows=format(export.row_total, ",")),
               link=f"/organizations/{export.organization_id}/export")
    except Exception:  # the export is done; never fail it for the notice
        db.session.rollback()
        log.exception("could not notify about export %s", export.id)


def _save(export: Export) -> None:
    db.session.commit()
    push(export)


def push(export: Export) -> None:
    """Show the export's state on the organization's export page; a finished one also refreshes the page."""
    try:
        topic = ExportTopic(export.organization_id)
        with _speaking(export):
            broadcast(topic, "replace", dom_id(f"export:{export.id}", "status"), "organizations/_export.html",
                      e=export)
        if not export.is_active:
            broadcast_stream(topic, refresh_stream())
    except Exception:  # the page is a view of the record; never fail the export for it
        log.exception("could not broadcast export %s", export.id)


# -- files ----------------------------------------------------------------------------------------------
def file_path(export: Export) -> Path | None:
    """The export's ZIP, while it is downloadable (completed, not expired, on disk)."""
    if export.status != ExportState.COMPLETED or not export.file_path or export.is_expired:
        return None
    path = reports_dir() / export.file_path
    return path if path.is_file() else None


def delete_files(exports: list[Export]) -> None:
    """Remove the exports' ZIPs (the maintenance cleanup, before their rows go)."""
    for export in exports:
        if export.file_path:
            try:
                os.unlink(reports_dir() / export.file_path)
            except FileNotFoundError:
                pass


def download_name(export: Export) -> str:
    return f"timeboard-organization-{export.organization_id}-export-{export.id}.zip"


# -- the ZIP --------------------------------------------------------------------------------------------
def write_zip(organization_id: int, out: Path, progress: Progress = lambda p, m: None) -> tuple[dict[str, int], int]:
    """Write the organization's export to `out` (through a temporary file next to it, renamed when complete).
    Returns (rows per table, bytes)."""
    totals = {t.name: db.session.scalar(select(func.count()).select_from(t.query(organization_id).subquery()))
              for t in TABLES}
    grand_total, done = max(sum(totals.values()), 1), 0
    progress(2, _("Exporting %(rows)s rows from %(tables)s tables", rows=format(sum(totals.values()), ","),
                  tables=len(TABLES)))
    tmp = out.with_name(out.name + ".part")
    counts: dict[str, int] = {}
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in TABLES:
                counts[table.name] = _write_table(archive, table, organization_id)
                done += totals[table.name]
                progress(2 + int(95 * done / grand_total), _("Exported %(table)s (%(rows)s rows)", table=table.name,
                                                              rows=format(counts[table.name], ",")))
            manifest = {"version": MANIFEST_VERSION, "created_at": utcnow().isoformat() + "Z",
                        "organization_id": organization_id,
                        "files": {f"{name}.{ext}": n for name, n in counts.items() for ext in ("csv", "json")}}
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return counts, out.stat().st_size


def _write_table(archive: zipfile.ZipFile, table, organization_id: int) -> int:
    """One pass over the rows: the CSV straight into the archive, the JSON into a spooled file added after it
    (a ZIP takes one open entry at a time), so both hold the very same rows."""
    columns = table.columns
    rows = 0
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+", encoding="utf-8") as spool:
        with archive.open(f"{table.name}.csv", "w") as raw_csv:
            text_csv = io.TextIOWrapper(raw_csv, encoding="utf-8", newline="")
            writer = csv.writer(text_csv)
            writer.writerow(columns)
            spool.write("[")
            for row in db.session.execute(table.query(organization_id).execution_options(yield_per=1000)):
                values = list(row)
                writer.writerow([_csv_cell(v) for v in values])
                record = json.dumps(dict(zip(columns, values, strict=True)), default=_json_value)
                spool.write(("," if rows else "") + "\n" + record)
                rows += 1
            spool.write("\n]\n")
            text_csv.flush()
            text_csv.detach()
        spool.seek(0)
        with archive.open(f"{table.name}.json", "w") as raw_json:
            while chunk := spool.read(1024 * 1024):
                raw_json.write(chunk.encode("utf-8"))
    return rows


def _csv_cell(value: object) -> object:
    """Numbers as they are; every text (JSON values as their JSON text) through the formula guard."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return text_cell(json.dumps(value, default=_json_value))
    return text_cell(value)


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)
