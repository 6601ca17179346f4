"""The events webhooks send, and where they come from: each is emitted once, after the commit of its change.

Time data: app/time_tracking/changes.py's time_changed signal (the one fan-out of every writer of time logs). A
change names the logs as they are now and as they were; which event each log is comes from what the flush did to
it, marked by a session listener (a log inserted, a log whose end time was set):
  logs and before          time_entry.updated
  before only              time_entry.deleted (also a timer stopped under a minute, which is not kept)
  logs only, inserted      timer.started when it runs, time_entry.created when it is finished
  logs only, end time set  timer.stopped (stop, pause, another timer started, idle time, a member removed)
Reports: app/reports/events.py's report_ready. Membership: app/organizations/events.py's member_joined and
member_removed. Each event's data is the REST API's representation of the object (app/api/representations.py).
"""
from __future__ import annotations

from flask import current_app, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.api import representations
from app.models import Membership, Report, TimeLog
from app.organizations import events as organization_events
from app.reports import events as report_events
from app.reports.files import file_exists
from app.time_tracking import changes
from app.webhooks.emit import emit

INSERTED = "_webhook_inserted"
STOPPED = "_webhook_stopped"


def subscribe() -> None:
    """Connect every source (connecting twice is harmless)."""
    changes.time_changed.connect(on_time_changed)
    report_events.report_ready.connect(on_report_ready)
    organization_events.member_joined.connect(on_member_joined)
    organization_events.member_removed.connect(on_member_removed)
    if not event.contains(Session, "after_flush", mark_time_logs):
        event.listen(Session, "after_flush", mark_time_logs)


def mark_time_logs(session, flush_context) -> None:
    """Mark time logs this flush inserted, or stopped (end time set where there was none); a log this flush
    updated otherwise loses its marks (they were of an earlier change)."""
    for obj in session.new:
        if isinstance(obj, TimeLog):
            obj.__dict__[INSERTED] = True
    for obj in session.dirty:
        if isinstance(obj, TimeLog):
            obj.__dict__.pop(INSERTED, None)
            history = inspect(obj).attrs.end_time.history
            if history.added and history.added[0] is not None and list(history.deleted) == [None]:
                obj.__dict__[STOPPED] = True
            else:
                obj.__dict__.pop(STOPPED, None)


def _take(entry: TimeLog, mark: str) -> bool:
    """Read and clear a mark, so that it never speaks for a later change."""
    value = bool(entry.__dict__.get(mark, False))
    entry.__dict__.pop(mark, None)
    return value


def time_events(change: changes.TimeChange) -> list[tuple[str, TimeLog]]:
    edited = {entry.id for entry in change.before}
    found = []
    for entry in change.logs:
        inserted, stopped = _take(entry, INSERTED), _take(entry, STOPPED)
        if entry.id in edited:
            found.append(("time_entry.updated", entry))
        elif inserted:
            found.append(("timer.started" if entry.end_time is None else "time_entry.created", entry))
        elif stopped:
            found.append(("timer.stopped", entry))
    found.extend(("time_entry.deleted", entry) for entry in change.deleted)
    return found


def time_entry_data(entry: TimeLog) -> dict:
    data = representations.time_entry(entry)
    if inspect(entry).transient:  # a deleted log's detached copy knows its tags by id
        data["tag_ids"] = list(getattr(entry, "tag_ids", []))
    return data


def on_time_changed(sender, change: changes.TimeChange) -> None:
    for name, entry in time_events(change):
        emit(entry.organization_id, name, lambda entry=entry: time_entry_data(entry))


def on_report_ready(sender, report: Report) -> None:
    emit(report.organization_id, "report.ready", lambda: report_data(report))


def report_data(report: Report) -> dict:
    """The API's representation; its file URL is built on APP_URL when there is no request (a worker)."""
    if has_request_context():
        return representations.report(report, file_exists(report))
    with current_app.test_request_context(base_url=current_app.config["APP_URL"]):
        return representations.report(report, file_exists(report))


def on_member_joined(sender, membership: Membership) -> None:
    emit(membership.organization_id, "member.joined", lambda: representations.member(membership))


def on_member_removed(sender, membership: Membership) -> None:
    emit(membership.organization_id, "member.removed",
         lambda: {**representations.member(membership),
                  "removed_at": representations.timestamp(membership.removed_at)})
