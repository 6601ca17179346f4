"""An Import's life: upload (create_import, then the dry run's job: plan_later), the dry run (plan: parse,
match, nothing written), the import (run_later, then run: all or nothing), and undo.

Progress and outcome are on the Import row and pushed to its page (ImportTopic) as the partial
templates/imports/_status.html, rendered from snapshot(); when a step ends the page also refreshes itself, as its
viewer, so its buttons follow.
"""
from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.background import tracking
from app.background.enqueue import JobActionError, enqueue_for
from app.extensions import db
from app.i18n import speaking_to
from app.imports import plan as planning
from app.imports import reader, writer
from app.imports.rows import FileProblem
from app.live.streams import broadcast, broadcast_stream, refresh_stream
from app.live.topics import ImportTopic
from app.models import Import, ImportState, JobState, JobStatus, Organization, User, utcnow
from app.organizations import audit
from app.time_tracking import changes
from app.time_tracking.locks import TimeLocked
from app.web.helpers import dom_id

log = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 500


# -- upload and the dry run ------------------------------------------------------------------------------------
def create_import(user: User, organization: Organization, file_name: str, content: str, format_name: str,
                  time_zone: str, assign_unmatched: bool, mapping: dict[str, str]) -> Import:
    """A new Import of a decoded file (its dry run queued)."""
    record = Import(organization_id=organization.id, user_id=user.id, file_name=file_name[:255], content=content,
                    format=format_name, status=ImportState.PLANNING,
                    options={"time_zone": time_zone, "assign_unmatched": assign_unmatched, "mapping": mapping})
    db.session.add(record)
    db.session.commit()
    return _later(record, "import_plan")


def _later(record: Import, kind: str) -> Import:
    """Enqueue the import's job, after the commit that put it in this state."""
    return enqueue_for(record, kind, "the job")


def _parsed(record: Import) -> reader.Parsed:
    options = record.options or {}
    try:
        zone = ZoneInfo(options.get("time_zone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    chosen = None if record.format == "auto" else record.format
    return reader.read(record.content, chosen, zone, options.get("mapping") or {})


def _plan(record: Import, on_progress=None) -> tuple[reader.Parsed, planning.Plan]:
    parsed = _parsed(record)
    record.format = parsed.format
    importer = db.session.get(User, record.user_id) if record.user_id else None
    if importer is None:
        raise FileProblem(_("The person who uploaded this file is no longer here."))
    made = planning.make(record.organization, importer, parsed.rows,
                         bool((record.options or {}).get("assign_unmatched")), on_progress)
    return parsed, made


def plan(import_id: int) -> str:
    """The dry run's job: parse and match, store the plan. Writes nothing but the Import row."""
    record = db.session.get(Import, import_id)
    if record is None:
        return f"import {import_id} no longer exists"
    if record.status != ImportState.PLANNING:
        return f"import {import_id} is {record.status}: nothing to plan"

    def progress(done: int, total: int) -> None:
        record.rows_done, record.rows_total = done, total
        _save(record, final=False)
        tracking.report_progress(int(100 * done / total) if total else 100, f"{done:,} of {total:,} rows")

    try:
        with speaking_to(record.user):  # what the plan refuses is read by the importer, in their language
            parsed, made = _plan(record, progress)
    except FileProblem as exc:
        record.refuse(str(exc))
        _save(record)
        return f"import {import_id}: file refused ({exc})"
    except Exception as exc:
        db.session.rollback()
        record = db.session.get(Import, import_id)
        with speaking_to(record.user):
            record.fail(_("The dry run broke: %(error)s", error=f"{type(exc).__name__}: {exc}"))
        _save(record)
        raise
    record.planned(made.summary(str(reader.FORMATS[parsed.format].LABEL), len(parsed.rows)),
                   made.errors[:MAX_ERRORS_KEPT])
    _save(record)
    return (f"import {import_id}: {len(made.entries)} entries to create, {made.skipped} imported before, "
            f"{len(made.errors)} rows refused")


# -- the import -------------------------------------------------------------------------------------------------
def run_later(record: Import) -> Import:
    if record.status != ImportState.PLANNED:
        raise JobActionError(_("Only a planned import can be confirmed; this one is %(status)s.", status=record.status))
    record.status, record.message = ImportState.IMPORTING, ""
    db.session.commit()
    push(record)
    return _later(record, "import_run")


def run(import_id: int) -> str:
    """The import's job: plan again against what is there now, then write it all in one transaction, or nothing
    when any row is refused."""
    record = db.session.get(Import, import_id)
    if record is None:
        return f"import {import_id} no longer exists"
    if record.status != ImportState.IMPORTING:
        return f"import {import_id} is {record.status}: nothing to import"
    with speaking_to(record.user):  # its messages are read by the importer, in their language
        return _run(record, import_id)


def _run(record: Import, import_id: int) -> str:
    try:
        parsed, made = _plan(record)
    except FileProblem as exc:
        record.fail(_("Nothing was imported: %(problem)s", problem=exc))
        _save(record)
        return f"import {import_id}: file refused"
    if made.errors:
        lines = ", ".join(str(error["line"]) for error in made.errors[:20])
        more = "…" if len(made.errors) > 20 else ""
        record.fail(_("Nothing was imported: %(count)s rows are refused (lines %(lines)s). Fix them in the file, "
                      "or choose to import unmatched people's rows as yours, and upload it again.",
                      count=len(made.errors), lines=lines + more), made.errors[:MAX_ERRORS_KEPT])
        _save(record)
        return f"import {import_id}: {len(made.errors)} rows refused, nothing imported"
    try:
        created, logs = writer.apply(made, record.organization_id)
        record.done(created, made.skipped)
        record.message = (_("Imported %(count)s entries.", count=f"{len(logs):,}") if logs else
                          _("Nothing new: all %(count)s entries of this file were imported before.",
                            count=f"{made.skipped:,}"))
        if logs and made.skipped:
            record.message += " " + _("%(count)s entries were imported before and were skipped.",
                                      count=f"{made.skipped:,}")
        audit.record("import.run", organization=record.organization_id, actor=record.user, target=record.file_name,
                     details={"import_id": record.id, "format": record.format, "entries": len(logs),
                              "skipped": made.skipped})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        record = db.session.get(Import, import_id)
        record.fail(_("Nothing was imported: another import wrote some of these entries at the same time. "
                      "Upload the file again to see what is left."))
        _save(record)
        return f"import {import_id}: conflict, nothing imported"
    except Exception as exc:
        db.session.rollback()
        record = db.session.get(Import, import_id)
        record.fail(_("Nothing was imported: %(problem)s", problem=f"{type(exc).__name__}: {exc}"))
        _save(record)
        raise
    push(record)
    changes.after_commit(logs)
    return f"import {import_id}: {len(logs)} entries created, {made.skipped} skipped"


# -- undo ---------------------------------------------------------------------------------------------------
def undo(record: Import, actor: User) -> dict[str, int]:
    """Remove everything the import created that nothing else uses since; audited."""
    if record.status != ImportState.IMPORTED:
        raise JobActionError(_("Only an import that is done can be undone; this one is %(status)s.",
                                status=record.status))
    try:
        counts, before = writer.undo(record.organization_id, record.created or {})
    except TimeLocked as exc:
        raise JobActionError(str(exc)) from None
    record.status, record.undone_at = ImportState.UNDONE, utcnow()
    record.message = _("Undone: removed %(entries)s entries, %(projects)s projects, %(clients)s clients, %(tasks)s "
                       "tasks and %(tags)s tags.", entries=f"{counts['time_logs']:,}", projects=counts["projects"],
                       clients=counts["clients"], tasks=counts["tasks"], tags=counts["tags"])
    audit.record("import.undo", organization=record.organization_id, actor=actor, target=record.file_name,
                 details={"import_id": record.id, **counts})
    db.session.commit()
    push(record)
    changes.after_commit(before=before)
    return counts


def follow_job(status: JobStatus) -> None:
    """The reconciler changed the import's job (the kind's follower, app/background/catalog.py): a job that failed
    or was canceled without the import knowing (its worker died for good) ends the import, so its page never waits
    forever. Nothing was written: the import commits at once or not at all."""
    record = db.session.scalar(select(Import).where(Import.rq_job_id == status.rq_job_id))
    if record is None or not record.is_active or status.status not in (JobState.FAILED, JobState.CANCELED):
        return
    with speaking_to(record.user):
        if record.status == ImportState.PLANNING:
            text = _("The dry run's job %(status)s: nothing was imported.", status=status.status)
        else:
            text = _("The import's job %(status)s: nothing was imported.", status=status.status)
    record.fail(f"{text} {status.error_message or ''}".strip())
    _save(record)


# -- the page ---------------------------------------------------------------------------------------------------
def _save(record: Import, final: bool = True) -> None:
    db.session.commit()
    push(record, final=final)


def push(record: Import, final: bool = True) -> None:
    try:
        topic = ImportTopic(record.id)
        broadcast(topic, "replace", dom_id(topic, "status"), "imports/_status.html", i=snapshot(record))
        if final and not record.is_active:
            broadcast_stream(topic, refresh_stream())
    except Exception:  # the page is a view of the record; never fail the import for it
        log.exception("could not broadcast import %s", record.id)


def snapshot(record: Import) -> dict:
    return {"id": record.id, "status": record.status, "format": record.format, "file_name": record.file_name,
            "rows_done": record.rows_done, "rows_total": record.rows_total, "percent": record.percent,
            "plan": record.plan or {}, "errors": record.errors or [], "message": record.message,
            "active": record.is_active, "entries_created": record.entries_created,
            "entries_skipped": record.entries_skipped}
