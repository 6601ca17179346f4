"""Bulk actions over a job-monitor search: retry every failed job, discard every failed one (hidden, restorable for
24 hours: discards.py), restore discarded ones, cancel every pending one. The page counts first (count()), the
person confirms, start() records the action in the audit trail and enqueues one `bulk_action` job on the
maintenance queue, and run() does the work there in chunks with progress, so 200,000 failed jobs never hang a
request or a browser.

The job snapshots the matching ids when it starts (in the scope of the person who asked, app/policies.py) and
touches only those still in the state the action expects.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import redis
from flask_babel import gettext as _
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import Select, func, select

from app import policies
from app.background import tracking
from app.background.enqueue import PENDING_RQ_STATES, enqueue
from app.extensions import db
from app.job_monitor import discards
from app.job_monitor import queries as monitor
from app.models import DISCARD_UNDO, JobState, JobStatus, User, utcnow
from app.organizations import audit
from app.redis_client import get_redis

log = logging.getLogger(__name__)

ACTIONS = {  # action -> (the state it applies to, in words: English, for logs; the pages say it with wording below)
    "retry": (JobState.FAILED, "Retry"),
    "discard": (JobState.FAILED, "Discard"),
    "cancel": (JobState.PENDING, "Cancel"),
    "restore": (JobState.FAILED, "Restore"),  # discarded failed jobs, within 24 hours (discards.py)
}
CHUNK = 500
KIND = "bulk_action"


class BulkError(ValueError):
    """An action or filter that cannot be run (the view answers 422, the CLI exits non-zero)."""


def targets(user: User, filters: monitor.Filters, action: str) -> Select:
    if action not in ACTIONS:
        raise BulkError(_("Unknown bulk action %(action)s; choose one of: %(choices)s.", action=repr(action[:40]),
                          choices=", ".join(ACTIONS)))
    state = ACTIONS[action][0]
    if filters.status and filters.status != state:
        raise BulkError(_mismatch(action, filters.status))
    if action == "restore":  # only discarded jobs, and only while they can be restored
        filters = replace(filters, discarded=True)
        return monitor.search(user, filters).where(JobStatus.status == state,
                                                   JobStatus.discarded_at > utcnow() - DISCARD_UNDO)
    query = monitor.search(user, filters).where(JobStatus.status == state)
    # a discarded job is restored before anything else is done to it: the count says what the action will touch
    return query.where(JobStatus.discarded_at.is_(None)) if state == JobState.FAILED else query


def _mismatch(action: str, status: str) -> str:
    if action == "retry":
        return _("Retry applies to failed jobs; these filters ask for %(status)s ones.", status=status)
    if action == "discard":
        return _("Discard applies to failed jobs; these filters ask for %(status)s ones.", status=status)
    if action == "restore":
        return _("Restore applies to failed jobs; these filters ask for %(status)s ones.", status=status)
    return _("Cancel applies to pending jobs; these filters ask for %(status)s ones.", status=status)


def count(user: User, filters: monitor.Filters, action: str) -> int:
    query = targets(user, filters, action)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def start(user: User, filters: monitor.Filters, action: str, expected: int) -> JobStatus:
    """Record the action in the audit trail and enqueue its job; returns the job's record."""
    if filters.organization is not None and not policies.can_bulk_jobs_of(user, filters.organization):
        raise BulkError(_("No such organization."))
    found = count(user, filters, action)
    if found == 0:
        raise BulkError(_("No job matches these filters any more: nothing to do."))
    audit.record(f"jobs.bulk_{action}", organization=_audit_organization(user, filters), actor=user,
                 target=filters.describe()[:300], details={"filters": filters.as_args(), "count": found,
                                                          "confirmed_count": expected})
    db.session.commit()
    return enqueue(KIND, action, filters.as_args(), user.id, user_id=user.id, organization_id=filters.organization)


def _audit_organization(user: User, filters: monitor.Filters) -> int | None:
    """Where the action shows in the audit trail: the searched organization; else, for someone who runs one
    organization, that one; else platform-wide (None)."""
    if filters.organization is not None or user.is_system_admin:
        return filters.organization
    wide = policies.org_wide_ids(user)
    return wide[0] if len(wide) == 1 else None


def run(action: str, filter_args: dict, actor_id: int, progress: Callable[[int, str | None], None]) -> str:
    """The job: apply the action to every matching job, CHUNK at a time, reporting progress."""
    actor = db.session.get(User, actor_id)
    if actor is None:
        return "the person who asked no longer exists: nothing done"
    filters, errors = monitor.Filters.parse(filter_args)
    if errors:
        raise BulkError(" ".join(errors))
    ids = list(db.session.scalars(targets(actor, filters, action).with_only_columns(JobStatus.id)
                                  .order_by(JobStatus.id)))
    db.session.commit()
    total, done, skipped = len(ids), 0, 0
    apply = {"retry": _retry, "discard": discards.discard, "cancel": _cancel, "restore": discards.restore}[action]
    state = ACTIONS[action][0]
    for start_at in range(0, total, CHUNK):
        chunk = ids[start_at:start_at + CHUNK]
        rows = list(db.session.scalars(select(JobStatus).where(JobStatus.id.in_(chunk), JobStatus.status == state)))
        skipped += len(chunk) - len(rows)
        topics = {t for row in rows for t in tracking.topics_for(row)}
        done += apply(rows)
        changed = [row for row in rows if row.status != state]
        db.session.commit()
        tracking.refresh_monitors(topics)
        for row in changed:  # the records they work on (a report canceled here) follow, on their pages too
            tracking.follow(row)
        progress(round(100 * min(start_at + CHUNK, total) / total), f"{done:,} of {total:,}")
    log.info("bulk %s: %d of %d jobs (%d had changed state)", action, done, total, skipped)
    return f"{action}: {done:,} of {total:,} jobs" + (f" ({skipped:,} had changed state)" if skipped else "")


def _fetch(rows: list[JobStatus]) -> dict[str, Job | None]:
    jobs = Job.fetch_many([row.rq_job_id for row in rows], connection=get_redis())
    return {row.rq_job_id: job for row, job in zip(rows, jobs, strict=True)}


def _retry(rows: list[JobStatus]) -> int:
    r = get_redis()
    done = 0
    for row, job in zip(rows, _fetch(rows).values(), strict=True):
        if job is None:
            continue  # its data expired from Redis: it stays failed
        try:
            if job.get_status(refresh=False) != "failed":
                FailedJobRegistry(job.origin, connection=r).add(job, ttl=600)
            job.requeue()
        except (InvalidJobOperation, NoSuchJobError):
            continue
        row.requeue(note=f"Retried in bulk after: {row.error_message or 'failure'}")
        row.count_manual_retry()
        done += 1
    return done


def _cancel(rows: list[JobStatus]) -> int:
    done = 0
    for row, job in zip(rows, _fetch(rows).values(), strict=True):
        try:
            if job is not None:
                status = job.get_status(refresh=False)
                if status == "started":
                    continue  # just taken by a worker: it runs
                if status in PENDING_RQ_STATES:
                    job.cancel()
        except (InvalidJobOperation, redis.ResponseError):
            pass
        row.cancel()
        done += 1
    return done
