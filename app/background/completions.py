"""The ends of brief runs that a worker holds until it is between jobs, then writes in one transaction.

A non-forking worker (`flask jobs worker --no-fork`: dashboards, mail) takes short jobs back to back. Writing a
brief run's end (tracking.BriefRun: its UPDATE, the commit, then asking presence whether a job monitor opened
meanwhile) cost about a millisecond of each: as much as RQ's own work for a no-op job. So that worker holds them
(tracking.complete_brief takes the run's values as it ends: its times are the job's, not the write's) and writes them
when it has nothing else to do: when its queues are empty, before a job of a kind that is not brief, when the oldest
is MAX_AGE old, or when it holds MOST. One statement executed for all of them, one commit, one question to presence
(tracking.write_brief_ends). Writing between jobs, not from a thread, leaves the jobs' own time alone.

A forking worker (`flask jobs worker`) holds them too. Its work-horse, a new process per job, would open a database
connection of its own to write the end (about 10 ms in SQLite, most of a no-op job's time) and ask presence on a new
Redis connection; instead it hands the end to the worker that forked it (EndsForParent: in the job's meta, in the round
trip RQ's job already makes to Redis), and that worker, whose connections are warm, holds it as its own (take_handed).
Between the two the end lives in Redis only: a Redis lost in that instant leaves the row pending, for the reconciler
(completed from RQ's record; a Redis that came back empty runs the job again, which a brief kind, idempotent, allows).

A brief run's row says pending while it runs anyway (no monitor watched it as it started); held, it says so until
the write. A worker that stops writes what it holds first; one killed outright (SIGKILL) loses what it held: the
reconciler completes those rows from RQ's record (reconcile.sync_brief_runs), as for a worker that died mid-run.
"""
from __future__ import annotations

import logging
import time

from rq.exceptions import StopRequested
from rq.job import JobStatus as RQStatus
from rq.timeouts import BaseTimeoutException
from rq.utils import as_text

from app.background import tracking
from app.extensions import db

log = logging.getLogger(__name__)

MAX_AGE = 0.1  # seconds an end is held at most while jobs keep coming
MOST = 200  # ends held at most


class HeldEnds:
    """The ends a non-forking worker holds (tracking.hand_brief_ends_to installs it; the worker writes them)."""

    def __init__(self, max_age: float = MAX_AGE, most: int = MOST):
        self.max_age = max_age
        self.most = most
        self._ends: list[tuple[object, dict]] = []
        self._since = 0.0

    def __len__(self) -> int:
        return len(self._ends)

    def put(self, run, values: dict) -> None:
        """A brief run's end: `values` as JobStatus.completion_values() gave them when it ended."""
        if not self._ends:
            self._since = time.monotonic()
        self._ends.append((run, values))

    def due(self) -> bool:
        """Held long enough, or enough of them, to be written before the next job even though one is waiting."""
        return bool(self._ends) and (len(self._ends) >= self.most or time.monotonic() - self._since >= self.max_age)

    def write(self) -> None:
        """Write what is held. A failure is logged: the rows stay pending, and the reconciler completes them. A stop
        asked meanwhile (RQ raises StopRequested from its signal handler) goes on, and the ends stay held: the
        stopping worker writes them (worker.run_worker)."""
        ends, self._ends = self._ends, []
        if not ends:
            return
        try:
            tracking.write_brief_ends(ends)
        except (StopRequested, KeyboardInterrupt, SystemExit):
            db.session.rollback()
            self._ends = ends + self._ends
            raise
        except Exception:
            db.session.rollback()
            log.exception("could not write the ends of %d brief run(s)", len(ends))
        finally:
            db.session.remove()


HANDED = "timeboard_brief_end"  # the job's meta field a work-horse hands its brief run's end in


class EndsForParent:
    """Installed in a forked work-horse (tracking.hand_brief_ends_to): a brief run's end goes to the worker that
    forked it, in the job's meta, marked with `token` (what that worker gave this horse: an end left in the meta by an
    earlier run of the same job is never taken for this one). Written at once when Redis cannot take it."""

    def __init__(self, token: str):
        self.token = token

    def __len__(self) -> int:
        return 0  # holds nothing: the worker does

    def put(self, run, values: dict) -> None:
        """Hand the columns the end writes (tracking.BRIEF_END_COLUMNS, as plain values: the meta stays readable
        without the app's code, by rq-dashboard); a failure to is never the job's, but its timeout still is."""
        plain = {name: values[name] for name in tracking.BRIEF_END_COLUMNS}
        plain["status"] = str(plain["status"])
        run.job.meta[HANDED] = {"token": self.token, "kind": run.kind, "max_attempts": run.max_attempts,
                                "worker": run.worker, "started_at": run.started_at, "values": plain}
        try:
            run.job.save_meta()
        except BaseTimeoutException:
            run.job.meta.pop(HANDED, None)
            raise
        except Exception as exc:  # noqa: BLE001 - Redis away, or a value RQ cannot serialize: write it here
            run.job.meta.pop(HANDED, None)
            log.warning("could not hand the end of job %s to its worker (%s); writing it here", run.job.id, exc)
            tracking.write_brief_ends([(run, values)])


def take_handed(job, token: str, held: HeldEnds) -> bool:
    """In the worker, once its horse is done with `job`: hold the end the horse handed (EndsForParent) when it is
    this run's and RQ says the job finished (a horse that died after handing it leaves the job to RQ's failure
    handling, and the row to the reconciler). Returns whether it took one."""
    try:
        meta, status = job.connection.hmget(job.key, "meta", "status")  # one round trip for both
        handed = job.serializer.loads(meta).get(HANDED) if meta else None
        if not handed or handed.get("token") != token or as_text(status or b"") != RQStatus.FINISHED:
            return False
        run = tracking.BriefRun(job, handed["kind"], handed["max_attempts"], handed["worker"], handed["started_at"])
        values = handed["values"]
    except StopRequested:
        raise
    except Exception as exc:  # noqa: BLE001 - Redis away, the job gone, its meta unreadable: never the worker's end
        log.warning("could not take the end of job %s from its work-horse: %s", job.id, exc)
        return False  # the row stays pending: the reconciler completes it from RQ's record
    held.put(run, values)
    return True
