"""The one fan-out after a commit that changed time data.

Every writer of time logs (starting and stopping timers, adding, editing and deleting entries, seeding, removing a
member) calls after_commit() once its transaction has committed, and it does all that must follow, so that no
caller can forget half:

1. the header timer of every user whose logs changed (topic user:<id>), and their open timesheets (topic
   timesheet:<id>: a signal its page answers by fetching its week again, as its own viewer);
2. the organization dashboard's activity item: a started, stopped or added log is prepended, an edited one
   replaced in place, a deleted one removed (only for dashboards someone has open);
3. the dashboards' invalidation: each dashboard the change touches gets a throttled, coalesced recompute;
4. `time_changed`, a signal other features subscribe to rather than being called from here (notifications'
   budget checks; create_app() connects them).

A live update that fails is logged and never fails the change, which has committed already.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from blinker import Namespace

from app.dashboards.invalidation import mark_dirty_for_logs, mark_dirty_for_organizations
from app.extensions import db
from app.live.streams import broadcast
from app.live.topics import TimesheetTopic, UserTopic
from app.models import TimeLog, User, utcnow
from app.time_tracking import activity

log = logging.getLogger(__name__)

signals = Namespace()
time_changed = signals.signal("time-changed")  # receivers: fn(sender, change: TimeChange)


@dataclass(frozen=True)
class TimeChange:
    """What changed: `logs` as they are now (started, stopped, added, edited), `before` as they were (edited or
    deleted: detached copies), `organization_ids` for bulk changes that touch whole organizations (seeding)."""
    logs: tuple[TimeLog, ...] = ()
    before: tuple[TimeLog, ...] = ()
    organization_ids: tuple[int, ...] = ()

    @property
    def user_ids(self) -> set[int]:
        return {entry.user_id for entry in (*self.logs, *self.before)}

    @property
    def finished_project_ids(self) -> set[int]:
        """Projects whose finished hours may have changed (a running timer counts nowhere yet)."""
        return {entry.project_id for entry in (*self.logs, *self.before) if entry.end_time is not None}

    @property
    def deleted(self) -> list[TimeLog]:
        present = {entry.id for entry in self.logs}
        return [entry for entry in self.before if entry.id not in present]


def after_commit(logs: Iterable[TimeLog] = (), *, before: Iterable[TimeLog] = (),
                 organization_ids: Iterable[int] = ()) -> TimeChange:
    """Everything that follows a committed change to time data (see the module docstring)."""
    change = TimeChange(tuple(logs), tuple(before), tuple(sorted(set(organization_ids))))
    _push_header_timers(change)
    _push_activity(change)
    _invalidate_dashboards(change)
    try:
        time_changed.send(None, change=change)
    except Exception:
        log.exception("a subscriber of time changes failed")
    return change


def _push_header_timers(change: TimeChange) -> None:
    for user_id in sorted(change.user_ids):
        user = db.session.get(User, user_id)
        if user is None:
            continue
        try:
            broadcast(UserTopic(user_id), "replace", "header-timer", "time_logs/_header_timer.html",
                      timer=user.running_timer, user=user)
        except Exception:
            log.exception("could not broadcast header timer for user %s", user_id)
        try:
            broadcast(TimesheetTopic(user_id), "replace", f"timesheet-{user_id}-changed", "timesheet/_changed.html",
                      user_id=user_id, at=utcnow())
        except Exception:
            log.exception("could not signal the timesheets of user %s", user_id)


def _push_activity(change: TimeChange) -> None:
    edited = {entry.id for entry in change.before}
    for entry in change.logs:
        if entry.id in edited:
            activity.log_edited(entry)
        else:
            activity.log_changed(entry)
    for entry in change.deleted:
        activity.log_deleted(entry)


def _invalidate_dashboards(change: TimeChange) -> None:
    if change.logs or change.before:
        mark_dirty_for_logs([*change.logs, *change.before])
    if change.organization_ids:
        mark_dirty_for_organizations(list(change.organization_ids))
