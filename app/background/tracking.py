"""JobStatus bookkeeping: the runner, the reconciler, retry and cancel call these; job code only calls
report_progress(). The state changes themselves are JobStatus methods; this module commits and broadcasts.

Every change is committed at once and broadcast to the job monitor (topics jobs:all and
jobs:user:<id>), so /jobs shows each job's life live; to the topics someone watches only (app/live/presence.py).

A brief kind's run (catalog.JobKind.brief: a dashboard's, in milliseconds) that no monitor watches as it starts
writes nothing at its start and one UPDATE at its end, without reading its row (BriefRun): two commits per job in
all, the pending row with the enqueue and the outcome with the result.

Presence is asked once per run, not per change: the enqueue asks in the round trip that queues the job, the
worker asks when the job starts and remembers the answer on the row's object for the rest of the run. A topic
watched at the start stays served without asking again (a monitor that closed meanwhile costs a publish nobody
receives); the topics nobody watched are asked again only at the end (so a monitor opened while the job ran sees
it finish) and, for a long job's progress, at most every PRESENCE_RECHECK seconds.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rq import get_current_job
from sqlalchemy import bindparam, inspect, or_, select, update
from werkzeug.utils import import_string

from app import policies
from app.background import arguments
from app.background.catalog import KINDS
from app.extensions import db
from app.live import presence
from app.live.streams import broadcast, broadcast_stream, refresh_stream
from app.live.topics import JobsTopic, jobs_topics_for_job
from app.models import JobState, JobStatus, utcnow

log = logging.getLogger(__name__)


def find(rq_job_id: str) -> JobStatus | None:
    return db.session.scalar(db.select(JobStatus).where(JobStatus.rq_job_id == rq_job_id))


def ensure(job, kind: str, max_attempts: int = 1) -> JobStatus:
    """The JobStatus of an RQ job, created when the job was enqueued around the helper (by hand, by
    rq-dashboard or by a plain rqscheduler), so that every job the runner performs is tracked."""
    status = find(job.id)
    if status is not None:
        return status
    meta = job.meta or {}
    status = JobStatus(
        rq_job_id=job.id, kind=kind, queue=job.origin, user_id=meta.get("user_id"), coalesce_key=meta.get("key"),
        organization_id=meta.get("organization_id"), request_id=meta.get("request_id"),
        args_summary=JobStatus.summarize_args(job.args[1:]), arguments=arguments.encode(job.args[1:]),
        status=JobState.PENDING,
        enqueued_at=(job.enqueued_at or utcnow()).replace(tzinfo=None), max_attempts=max_attempts,
    )
    db.session.add(status)
    save(status, created=True)
    return status


def save(status: JobStatus, created: bool = False, refresh: bool = True) -> JobStatus:
    """Commit a state change (a JobStatus method: start, complete, fail, requeue, cancel) and show it on
    /jobs; `refresh=False` for progress, which changes the job's own row and nothing around it."""
    commit_keeping_loaded()
    broadcast_job(status, created=created, refresh=refresh)
    return status


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: the row we just wrote is what the database has, and
    the runner completes the same object afterwards without reading it back (one SELECT less per job)."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def mark_processing(status: JobStatus, worker: str | None = None,
                    asked: tuple[float, set[str]] | None = None) -> JobStatus:
    """The runner found (or made) the job's row a moment ago: start it without looking it up again. Its monitors'
    presence is remembered for this run: `asked` (the worker asked as it took the job), else asked now."""
    status.start(worker)
    commit_keeping_loaded()
    if asked is None:
        _remember_presence(status, None)
    else:
        setattr(status, _PRESENCE, asked)
    broadcast_job(status)
    return status


def mark_completed(rq_job_id: str, result_summary: str | None = None, status: JobStatus | None = None) -> None:
    """`status`: the row the runner started, reused while the session still holds it."""
    if status is None or status not in db.session:
        status = find(rq_job_id)
    if status is not None:
        status.complete(result_summary)
        commit_keeping_loaded()
        broadcast_job(status, final=True)


# -- brief kinds ----------------------------------------------------------------------------------------------------
@dataclass
class BriefRun:
    """A run of a brief kind (catalog.JobKind.brief) that no job monitor watched as it started: its row was not
    read and its start not written; its end writes start, attempt and outcome together (complete_brief, fail_brief).
    While it runs (milliseconds) its row says pending; a monitor opened meanwhile still sees its end, and the
    reconciler covers one whose worker died (app/background/reconcile.py, sync_brief_runs). One that runs long
    enough to report progress writes its start then (`started`) and ends as any other run."""

    job: object  # the RQ job
    kind: str
    max_attempts: int
    worker: str
    started_at: datetime
    started: bool = False  # its start was written after all (report_progress)

    def start(self, status: JobStatus) -> JobStatus:
        """The row takes this run's start (JobStatus.start, at the moment the run began): not yet committed."""
        status.start(self.worker)
        status.started_at = self.started_at
        return status


_BRIEF = "_timeboard_brief"  # attribute of the RQ job in the worker: its BriefRun


def start_brief(job, spec, worker: str) -> BriefRun | None:
    """A BriefRun when the kind is brief and the worker, asking as it took the job, found none of the job's monitors
    open; else None: the run writes its start (mark_processing), so the open monitor shows it running."""
    asked = presence_asked_with(job)
    if not spec.brief or asked is None or any(str(t) in asked[1] for t in _topics_of_rq_job(job)):
        return None
    run = BriefRun(job, spec.name, spec.retries + 1, worker, utcnow())
    setattr(job, _BRIEF, run)
    return run


def complete_brief(run: BriefRun, result_summary: str | None) -> None:
    """The run's end, its values taken now: held by the worker (app/background/completions.py; a forked horse hands it
    to its worker), else written at once (write_brief_ends)."""
    if run.started:
        mark_completed(run.job.id, result_summary)
        return
    values = JobStatus.completion_values(run.started_at, run.worker, result_summary)
    if _held is not None:
        _held.put(run, values)
    else:
        write_brief_ends([(run, values)])


_held = None  # where brief runs' ends go in this process (hand_brief_ends_to)


def hand_brief_ends_to(held) -> None:
    """Brief runs' ends go to `held` from now on: a completions.HeldEnds, which its worker writes between jobs, or in
    a forked work-horse a completions.EndsForParent, which hands them to its worker; None: each is written as it
    comes."""
    global _held
    _held = held


def held_ends():
    """What hand_brief_ends_to() installed in this process, or None."""
    return _held


def write_brief_ends(ends: list[tuple[BriefRun, dict]]) -> None:
    """The runs' rows take their start, their attempt and their result (`values`, JobStatus.completion_values): one
    UPDATE statement executed for all of them, no read, in one transaction. A row canceled in the instant the worker
    took its job stays canceled; one the reconciler completed from RQ's record of this run while its end was held keeps
    that (its attempt counted once). Any other row takes the end, whatever it says: pending, or failed or processing
    when RQ ran the job again itself (a requeue from rq-dashboard, RQ's retry of a killed horse). A job enqueued around
    the helper (no row yet) gets its row here, as ensure() gives it on the full path. Then the monitors that opened
    meanwhile are shown the ends."""
    rows = [{"b_rq_job_id": run.job.id, **{f"b_{name}": values[name] for name in BRIEF_END_COLUMNS}}
            for run, values in ends]
    written = db.session.execute(_BRIEF_END, rows).rowcount
    ended = [run for run, _ in ends]
    if written != len(ends):  # a row missing, canceled or completed already (or a driver that counts no executemany)
        states = dict(db.session.execute(select(JobStatus.rq_job_id, JobStatus.status).where(
            JobStatus.rq_job_id.in_([run.job.id for run in ended]))).all())
        ended = []
        for run, values in ends:
            if states.get(run.job.id) == JobState.CANCELED:
                log.warning("job %s was canceled as a worker took it; it ran, and stays canceled", run.job.id)
            elif run.job.id not in states:
                mark_completed(run.job.id, values["result_summary"], status=_started_row(run))
            else:
                ended.append(run)
    db.session.commit()
    _broadcast_brief_ends(ended)


# the columns a brief end writes, its attempt apart (counted in SQL): plain values, what a horse hands its worker
BRIEF_END_COLUMNS = ("status", "started_at", "finished_at", "duration_ms", "progress", "worker", "result_summary",
                     "error_message", "traceback", "fingerprint")
_jobs_table = JobStatus.__table__  # Core: the ORM's bulk UPDATE path costs more than the statement itself
_BRIEF_END = _jobs_table.update().where(
    _jobs_table.c.rq_job_id == bindparam("b_rq_job_id"), _jobs_table.c.status != JobState.CANCELED,
    # a row the reconciler completed from RQ's record of this very run (RQ's end is after this run's start) keeps it
    or_(_jobs_table.c.status != JobState.COMPLETED, _jobs_table.c.finished_at.is_(None),
        _jobs_table.c.finished_at < bindparam("b_started_at")),
).values({**{name: bindparam(f"b_{name}") for name in BRIEF_END_COLUMNS}, "attempts": _jobs_table.c.attempts + 1})


def fail_brief(run: BriefRun, exc: BaseException, will_retry: bool) -> None:
    """The row takes the start it skipped (its attempt counts), then the failure, as on the full path."""
    if not run.started:
        _started_row(run)
    mark_failed(run.job.id, exc, will_retry)


def _started_row(run: BriefRun) -> JobStatus:
    return run.start(ensure(run.job, run.kind, max_attempts=run.max_attempts))


def _broadcast_brief_ends(runs: list[BriefRun]) -> None:
    """Ask presence once about these runs' monitors (nobody watched them at their start): a row is read, and shown,
    only where one has opened since."""
    if not runs:
        return
    try:
        topics = [(run, _topics_of_rq_job(run.job)) for run in runs]
        names = presence.watched({str(t) for _, run_topics in topics for t in run_topics})
        for run, run_topics in topics:
            if any(str(t) in names for t in run_topics) and (status := find(run.job.id)) is not None:
                broadcast_job(status, watched=names)
    except Exception:  # the monitor is a view of the truth in the database; never fail a job for it
        log.exception("could not broadcast the end of %d brief job(s)", len(runs))


def _topics_of_rq_job(job) -> list[JobsTopic]:
    """The monitor topics of a job as enqueued (its meta), before its row is read. A coalesced job shared since
    lists fewer on its row (no requester): broadcast_job() renders for the row's own."""
    meta = job.meta or {}
    return jobs_topics_for_job(meta.get("user_id"), meta.get("organization_id"))


def mark_failed(rq_job_id: str, exc: BaseException | str, will_retry: bool = False) -> None:
    """Record a failure; when the retry policy will run the job again it goes back to pending."""
    status = find(rq_job_id)
    if status is not None:
        status.fail(exc, will_retry)
        commit_keeping_loaded()
        broadcast_job(status, final=True)


PROGRESS_EVERY = 0.25  # seconds: a job's progress is written and shown at most about four times a second


def report_progress(percent: int, message: str | None = None) -> None:
    """Called from inside a job: store progress on JobStatus and in job.meta, and broadcast it.

    At most every PROGRESS_EVERY seconds (counted from the job's start, then from the last write), unless the
    message changes: a short job (a dashboard's, in milliseconds) writes none and its completion shows 100%;
    a long one shows steady progress without a database write per row or section."""
    job = get_current_job()
    if job is None:
        return
    if not _progress_due(job, message):
        return
    percent = max(0, min(100, int(percent)))
    job.meta["progress"] = percent
    if message:
        job.meta["progress_message"] = message
    job.save_meta()
    status = find(job.id)
    if status is None:
        return
    brief = getattr(job, _BRIEF, None)
    if brief is not None and not brief.started and status.status == JobState.PENDING:
        # a brief run that lasts: it is shown running from now on, and ends as any other run (complete_brief)
        brief.start(status).progress = percent
        brief.started = True
        save(status)
    elif status.progress != percent:
        status.progress = percent
        save(status, refresh=False)


def _progress_due(job, message: str | None) -> bool:
    now = time.time()
    last = job.meta.get("progress_at")
    if last is None and job.started_at is not None:  # RQ's start time, UTC (naive in some versions)
        started = job.started_at
        last = (started if started.tzinfo else started.replace(tzinfo=UTC)).timestamp()
    changed = bool(message) and message != job.meta.get("progress_message")
    if not changed and last is not None and now - last < PROGRESS_EVERY:
        return False
    job.meta["progress_at"] = now
    return True


def report_organization(organization_id: int) -> None:
    """Called from inside a job that learns its organization as it runs (seeding creates it): from now on the
    job's record names it, so the organization's owners and admins see the job on /jobs."""
    job = get_current_job()
    if job is None:
        return
    status = find(job.id)
    if status is not None and status.organization_id != organization_id:
        status.organization_id = organization_id
        save(status)


def topics_for(status: JobStatus) -> list[JobsTopic]:
    return jobs_topics_for_job(status.user_id, status.organization_id)


PRESENCE_RECHECK = 1.0  # seconds: how often a running job asks again about the monitors nobody watched at its start
_PRESENCE = "_timeboard_presence"  # attribute of a JobStatus object in the worker: (asked at, watched names)


def watched_topics_for(status: JobStatus, watched: set[str] | None = None, final: bool = False) -> list[JobsTopic]:
    """The job's topics that an open page watches (app/live/presence.py) and may show it: the others are not rendered
    for. Its requester's monitor is left out once they have left the job's organization (app/policies.py),
    asked only when that monitor is open. `watched`: the names presence just gave (asked along with other work);
    else the answer this run remembers (see the module docstring), asked again for the unwatched topics when
    `final` or stale, or asked now when the run remembers none."""
    topics = topics_for(status)
    if watched is not None:
        names = watched
    else:
        memo = getattr(status, _PRESENCE, None)
        if memo is None:
            names = presence.watched(topics)
        else:
            asked_at, names = memo
            unasked = [t for t in topics if str(t) not in names]
            if unasked and (final or time.monotonic() - asked_at >= PRESENCE_RECHECK):
                names = names | presence.watched(unasked)
                _remember_presence(status, names)
    return [t for t in topics if str(t) in names and not _requester_left(t, status)]


def ask_presence(pipe, job) -> Callable[[list], None]:
    """In the worker, as it takes an RQ job: ask on `pipe` (with other commands) which of the job's monitor topics
    are open; the returned function, given pipe.execute()'s results, keeps the answer on the job, where
    mark_processing() takes it instead of asking again."""
    answer = presence.ask(pipe, _topics_of_rq_job(job))

    def keep(results: list) -> None:
        setattr(job, _PRESENCE, (time.monotonic(), answer(results)))

    return keep


def presence_asked_with(job) -> tuple[float, set[str]] | None:
    """The presence ask_presence() kept on this RQ job, if its worker asked."""
    return getattr(job, _PRESENCE, None)


def _remember_presence(status: JobStatus, names: set[str] | None) -> None:
    """Remember presence for the rest of this run (None: ask afresh, at the next broadcast)."""
    if names is None:
        names = presence.watched(topics_for(status))
    setattr(status, _PRESENCE, (time.monotonic(), names))


def _requester_left(topic: JobsTopic, status: JobStatus) -> bool:
    return (topic.user_id is not None and status.organization_id is not None
            and policies.has_left(topic.user_id, status.organization_id))


def broadcast_job(status: JobStatus, created: bool = False, refresh: bool = True, watched: set[str] | None = None,
                  final: bool = False) -> None:
    """Show the job's new state on every job monitor allowed to see it.

    A new job is prepended to the unfiltered first page (tbody#job-rows; Turbo 8 drops a child with
    the same id first, so a repeated prepend never duplicates a row); an existing one is replaced
    in place, wherever it is listed, and so is its detail page. Then the monitors refresh (a Turbo 8
    morph) for what follows from it: the counts, queues and throughput above the rows are per viewer.
    A progress tick changes only the row, so it refreshes nothing (a job reports progress many times
    a second, and each refresh re-renders every open monitor page). `watched` and `final`: see watched_topics_for.
    """
    target = f"job-{status.rq_job_id}"
    try:
        topics = watched_topics_for(status, watched, final)
        if not topics:  # no monitor is open for it: nothing to render
            return
        if created:
            broadcast(topics, "prepend", "job-rows", "job_monitor/_job_row.html", job=status)
        else:
            broadcast(topics, "replace", target, "job_monitor/_job_row.html", job=status)
            broadcast(topics, "replace", f"{target}-detail", "job_monitor/_job_detail.html", job=status)
        if refresh:
            broadcast_stream(topics, refresh_stream())
    except Exception:  # the monitor is a view of the truth in the database; never fail a job for it
        log.exception("could not broadcast job %s", status.rq_job_id)


def refresh_monitors(topics) -> None:
    """Refresh the open job monitors of these topics (after a bulk change of many rows: one refresh, not one
    stream per row)."""
    try:
        names = presence.watched(topics)
        watched = [t for t in topics if str(t) in names]
        if watched:
            broadcast_stream(watched, refresh_stream())
    except Exception:  # the monitor is a view; never fail a job for it
        log.exception("could not refresh the job monitors")


def transition(status: JobStatus, expected: JobState, change: Callable[[JobStatus], None]) -> int:
    """Apply a JobStatus state change (one of its methods) as a compare-and-set on `expected` and the
    attempt count, so a worker that picks the job up meanwhile is never overwritten; the reconciler's way
    of changing a job it does not run. Then the job monitor shows it and the kind's follower (catalog)
    brings its record along (a report). Returns 1 when the row changed, else 0."""
    status_id, attempts = status.id, status.attempts
    change(status)
    values = {attr.key: attr.value for attr in inspect(status).attrs if attr.history.added}
    db.session.expire(status)  # the change goes through the guarded UPDATE below, not a plain flush
    result = db.session.execute(
        update(JobStatus)
        .where(JobStatus.id == status_id, JobStatus.status == expected, JobStatus.attempts == attempts)
        .values(**values).execution_options(synchronize_session=False)
    )
    db.session.commit()
    if not result.rowcount:
        return 0
    message = values.get("error_message")
    log.warning("job %s (%s): %s -> %s%s", status.rq_job_id, status.kind, expected, values.get("status", expected),
                f" ({message})" if message else "")
    broadcast_job(status)
    follow(status)
    return 1


def follow(status: JobStatus) -> None:
    """Call the job kind's follower (catalog.JobKind.follower) with the row's new state; never raises."""
    try:
        spec = KINDS.get(status.kind)
        if spec is not None and spec.follower:
            import_string(spec.follower)(status)
    except Exception:  # the record that follows is a view of the job; never fail a reconciliation for it
        db.session.rollback()
        log.exception("could not bring job %s's record along", status.rq_job_id)
