"""The ends of brief runs that a non-forking worker holds until it is between jobs, then writes in one transaction.

A non-forking worker (`flask jobs worker --no-fork`: dashboards, mail) takes short jobs back to back. Writing a
brief run's end (tracking.BriefRun: its UPDATE, the commit, then asking presence whether a job monitor opened
meanwhile) cost about a millisecond of each: as much as RQ's own work for a no-op job. So that worker holds them
(tracking.complete_brief takes the run's values as it ends: its times are the job's, not the write's) and writes them
when it has nothing else to do: when its queues are empty, before a job of a kind that is not brief, when the oldest
is MAX_AGE old, or when it holds MOST. One statement executed for all of them, one commit, one question to presence
(tracking.write_brief_ends). Writing between jobs, not from a thread, leaves the jobs' own time alone.

A brief run's row says pending while it runs anyway (no monitor watched it as it started); held, it says so until
the write. A worker that stops writes what it holds first; one killed outright (SIGKILL) loses what it held: the
reconciler completes those rows from RQ's record (reconcile.sync_brief_runs), as for a worker that died mid-run.
"""
from __future__ import annotations

import logging
import time

from rq.exceptions import StopRequested

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
