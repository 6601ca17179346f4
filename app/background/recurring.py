"""The recurring-job table (Timeboard's recurring.yml), its registration with rq-scheduler, and the
scheduler process (`flask jobs scheduler`).

Adding an entry is one line in RECURRING. Each entry has a fixed id in rq-scheduler
("recurring-<name>"), so registering again (a restart, a second scheduler) replaces, never adds.

The scheduler does not push a stored job each time: when an entry is due it calls the one
enqueue helper with the key "recurring:<name>", so every run has its own JobStatus, and a run
is skipped while the previous one of that entry is still pending (no pile-up).

The scheduler process rides out a Redis outage (rq-scheduler's own run loop dies on the first
ConnectionError): it waits with backoff, registers the table again once Redis answers (Redis may
come back empty), and reconciles abandoned jobs every RECONCILE_EVERY seconds itself, so a killed
worker's job never waits for a worker on the maintenance queue.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from flask_babel import gettext as _
from rq.exceptions import NoSuchJobError
from rq_scheduler import Scheduler
from rq_scheduler.utils import get_next_scheduled_time, to_unix
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.background import seeding_switch
from app.background.catalog import get_kind
from app.background.enqueue import enqueue
from app.background.reconcile import reconcile
from app.extensions import db
from app.models import RecurringSetting, utcnow
from app.redis_client import Outage

log = logging.getLogger(__name__)

RECONCILE_EVERY = 30  # seconds between two reconciliations run by the scheduler process itself
# seconds after Redis came back for more reconciliations than the one at once: a job queued just before it went is
# past restore.GRACE by then, and all of them are back within RECONCILE_EVERY
RECHECKS_AFTER_RECOVERY = (5, 15)
TOLERANCE = 0.25  # seconds: a loop that wakes this much early still reconciles
RUN_ENTRY = "jobs.recurring.run_entry"  # what a stock `rqscheduler` runs for a stored entry


@dataclass(frozen=True)
class Recurring:
    name: str
    kind: str
    every: int | None = None  # seconds
    cron: str | None = None  # cron expression, server time (rq-scheduler)
    enabled: bool | str = True  # True, False, or "seeding_switch": ask app.background.seeding_switch

    @property
    def id(self) -> str:
        """Fixed rq-scheduler job id (RQ ids allow letters, digits, - and _ only)."""
        return f"recurring-{self.name}"

    @property
    def key(self) -> str:
        """Coalescing key of the entry's runs: a run still pending makes the next one a no-op."""
        return f"recurring:{self.name}"

    @property
    def queue(self) -> str:
        return get_kind(self.kind).queue

    @property
    def when(self) -> str:
        if self.every:
            return _("every %(seconds)ss", seconds=self.every)
        return _("cron %(cron)s (server time)", cron=self.cron)

    def is_enabled(self) -> bool:
        """An operator's switch (/jobs, kept in the database) wins; else the table's default."""
        override = switched(self.name)
        if override is not None:
            return override
        return self.default_enabled()

    def default_enabled(self) -> bool:
        if self.enabled == "seeding_switch":
            return seeding_switch.is_enabled()
        return bool(self.enabled)


RECURRING: list[Recurring] = [
    Recurring("data_seeding", "data_seeding", every=300, enabled="seeding_switch"),
    Recurring("cleanup", "cleanup", cron="17 3 * * *"),
    Recurring("performance_snapshot", "performance_snapshot", every=60),
    Recurring("cache_warming", "cache_warming", every=300),
    Recurring("rollup_rebuild", "rollup_rebuild", cron="41 3 * * 0"),  # weekly, Sunday night
    Recurring("report_archival", "report_archival", cron="41 4 * * 0"),  # weekly, Sunday 04:41
    Recurring("long_timer_check", "long_timer_check", every=600),
    Recurring("daily_reminders", "daily_reminders", every=300),
    # every quarter hour: the users whose local time is now 08:00-08:59 get their digest (and on Mondays their
    # weekly summary); quarter hours, because some time zones are 30 or 45 minutes off UTC
    Recurring("notification_digests", "notification_digests", cron="*/15 * * * *"),
    Recurring("operator_alerts", "operator_alerts", every=60),
]
ENTRIES = {entry.name: entry for entry in RECURRING}


class UnknownEntry(KeyError):
    def __str__(self) -> str:
        return f"unknown recurring entry {self.args[0]!r}; known: {', '.join(ENTRIES)}"


def get_entry(name: str) -> Recurring:
    try:
        return ENTRIES[name]
    except KeyError:
        raise UnknownEntry(name) from None


def switched(name: str) -> bool | None:
    """The operator's switch for an entry (RecurringSetting), or None when nobody set one. A column, not an
    entity: never a stale copy from the session's identity map. None too while the database cannot answer (the
    table's default then holds; a run would need the database anyway)."""
    try:
        return db.session.scalar(select(RecurringSetting.enabled).where(RecurringSetting.name == name))
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("recurring switch of %s unknown (%s): using the table's default", name, exc)
        return None


def set_enabled(name: str, enabled: bool, actor_id: int | None = None) -> Recurring:
    """Switch an entry on or off for every process, across restarts: the scheduler adds or cancels its one
    rq-scheduler entry (fixed id) on its next loop; commits."""
    entry = get_entry(name)
    setting = db.session.get(RecurringSetting, name) or RecurringSetting(name=name)
    setting.enabled, setting.changed_by_id = enabled, actor_id
    db.session.add(setting)
    db.session.commit()
    return entry


def run_entry(name: str):
    """Enqueue one run of the entry now (coalesced: nothing new while the previous run is pending).

    The scheduler calls it in its own process; a stock `rqscheduler` pushing the stored job runs it
    through jobs.recurring.run_entry, so that still ends in a tracked run.
    """
    entry = get_entry(name)
    return enqueue(entry.kind, key=entry.key)


# -- registration ------------------------------------------------------------------------------------
def make_scheduler(connection, interval: float = 5) -> TimeboardScheduler:
    return TimeboardScheduler(connection=connection, interval=interval)


def register(scheduler: Scheduler, entries: list[Recurring] | None = None) -> list[str]:
    """Put every enabled entry in rq-scheduler under its fixed id, replacing what is there, and take
    disabled ones out. Idempotent; returns the ids now scheduled. An entry keeps its next run time
    across registrations unless its timing changed."""
    scheduled = []
    for entry in entries or RECURRING:
        if not entry.is_enabled():
            scheduler.cancel(entry.id)
            continue
        _put(scheduler, entry)
        scheduled.append(entry.id)
    return scheduled


def sync(scheduler: Scheduler) -> None:
    """Cheap per-loop check: add enabled entries that are missing, drop disabled ones (the seeding switch)."""
    for entry in RECURRING:
        present = entry.id in scheduler
        enabled = entry.is_enabled()
        if enabled and not present:
            _put(scheduler, entry)
            log.info("recurring entry %s enabled", entry.name)
        elif present and not enabled:
            scheduler.cancel(entry.id)
            log.info("recurring entry %s disabled", entry.name)


def _put(scheduler: Scheduler, entry: Recurring) -> None:
    previous = scheduler.connection.zscore(scheduler.scheduled_jobs_key, entry.id)
    try:
        old = scheduler.job_class.fetch(entry.id, connection=scheduler.connection)
        same_timing = old.meta.get("interval") == entry.every and old.meta.get("cron_string") == entry.cron
    except NoSuchJobError:
        same_timing = False
    common = dict(id=entry.id, queue_name=entry.queue, args=[entry.name], description=f"recurring {entry.name}",
                  meta={"recurring_entry": entry.name}, timeout=60)
    if entry.every:
        scheduler.schedule(utcnow(), RUN_ENTRY, interval=entry.every, **common)
    else:
        scheduler.cron(entry.cron, RUN_ENTRY, **common)
    if previous is not None and same_timing:  # keep the time already planned
        scheduler.connection.zadd(scheduler.scheduled_jobs_key, {entry.id: previous})


def next_runs(scheduler: Scheduler) -> dict[str, datetime]:
    """Next planned run (naive UTC) of every entry present in rq-scheduler."""
    runs = {}
    for entry in RECURRING:
        score = scheduler.connection.zscore(scheduler.scheduled_jobs_key, entry.id)
        if score is not None:
            runs[entry.name] = datetime(1970, 1, 1) + timedelta(seconds=score)
    return runs


class ReconcileTimes:
    """When the scheduler process reconciles (monotonic seconds): at its first loop, every `every` seconds, and
    after Redis came back at once and RECHECKS_AFTER_RECOVERY later."""

    def __init__(self, every: float = RECONCILE_EVERY):
        self.every = every
        self.due = [float("-inf")]

    def recovered(self, now: float) -> None:
        self.due = [now, *(now + later for later in RECHECKS_AFTER_RECOVERY)]

    def take(self, now: float) -> bool:
        """Whether to reconcile now; if so, the next time is planned."""
        if now < self.due[0] - TOLERANCE:
            return False
        self.due = [t for t in self.due if t > now + TOLERANCE] or [now + self.every]
        return True

    def seconds_to_next(self, now: float) -> float:
        return self.due[0] - now


class TimeboardScheduler(Scheduler):
    """rq-scheduler that re-syncs the table each loop, runs due entries through the enqueue helper,
    reconciles abandoned jobs, and survives Redis outages."""

    def run(self, burst: bool = False, on_register: Callable[[list[str]], None] | None = None,
            reconcile_every: float = RECONCILE_EVERY) -> None:
        """rq-scheduler's loop, made to survive Redis: (re)register on every (re)connection, back off
        while Redis is down. on_register gets the ids registered each time."""
        self._install_signal_handlers()
        outage = Outage("scheduler", log)
        registered = False
        times = ReconcileTimes(reconcile_every)
        self._reconcile_failing = False
        try:
            while True:
                started = time.monotonic()
                try:
                    if not registered:
                        self._register_again()
                        ids = register(self)
                        db.session.remove()
                        registered = True
                        if on_register is not None:
                            on_register(ids)
                    self.heartbeat()
                    if outage.recovered():  # Redis is back, maybe empty: queue again what it lost, now and soon
                        times.recovered(time.monotonic())
                    if self.acquire_lock():
                        self.enqueue_jobs()
                        self.heartbeat()
                        self.remove_lock()
                        if burst:
                            return
                except redis.RedisError as exc:
                    registered = False  # Redis may come back empty: register the table again then
                    self._lock_acquired = False
                    time.sleep(outage.lost(exc))
                    continue
                if times.take(time.monotonic()):
                    self._reconcile()
                now = time.monotonic()
                time.sleep(max(0.0, min(self._interval - (now - started), times.seconds_to_next(now))))
        finally:
            try:
                self.remove_lock()
                self.register_death()
            except redis.RedisError:
                pass

    def _install_signal_handlers(self):
        """Stop on SIGINT/SIGTERM; run()'s cleanup then copes with Redis being down (rq-scheduler's does not)."""
        def stop(signum, frame):
            log.info("scheduler stopping")
            raise SystemExit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

    def _register_again(self) -> None:
        """rq-scheduler's birth record, replacing this process's own one from before an outage."""
        self.connection.delete(self.key)
        self.register_birth()

    def _reconcile(self) -> None:
        """Reconcile abandoned jobs here, independent of any worker; a failure is logged once until it works."""
        try:
            summary = reconcile()
            log.debug("scheduler: %s", summary)
            if self._reconcile_failing:
                log.warning("scheduler: reconciliation works again")
            self._reconcile_failing = False
        except Exception:
            if not self._reconcile_failing:
                log.exception("scheduler: reconciliation failed; trying again every %ss", RECONCILE_EVERY)
            self._reconcile_failing = True
            db.session.rollback()
        finally:
            db.session.remove()

    def enqueue_jobs(self):
        try:
            sync(self)
        except Exception:  # the switches live in Redis and the database; never stop scheduling for them
            log.exception("could not sync the recurring table")
            db.session.rollback()
        finally:
            db.session.remove()  # the next loop reads the switches afresh
        return super().enqueue_jobs()

    def enqueue_job(self, job):
        name = job.meta.get("recurring_entry")
        if name is None:
            return super().enqueue_job(job)
        self._plan_next(job)
        try:
            entry = get_entry(name)
        except UnknownEntry:
            self.cancel(job.id)  # removed from the table since it was registered
            return None
        if not entry.is_enabled():
            self.cancel(job.id)
            return None
        try:
            status = run_entry(name)
            log.info("recurring %s -> job %s (%s)", name, status.rq_job_id, status.status)
        except Exception:
            log.exception("recurring %s could not be enqueued", name)
            db.session.rollback()  # a database error must not fail every entry after it
        finally:
            db.session.remove()
        return None

    def _plan_next(self, job) -> None:
        interval, cron = job.meta.get("interval"), job.meta.get("cron_string")
        if interval:
            when = to_unix(utcnow()) + int(interval)
        else:
            when = to_unix(get_next_scheduled_time(cron, use_local_timezone=False))
        self.connection.zadd(self.scheduled_jobs_key, {job.id: when})
