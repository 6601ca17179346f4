"""Alerting for operators: system admins are told when

- a job kind fails after its last retry,
- a queue's oldest waiting job is older than ALERT_QUEUE_AGE_SECONDS,
- a queue has had no live worker (fresh heartbeat) for ALERT_WORKER_MISSING_SECONDS,
- a recurring entry did not run on time (its planned run is ALERT_RECURRING_LATE_SECONDS in the past).

Each subject (a kind, a queue, an entry) alerts at most once per ALERT_REPEAT_SECONDS (an hour); a job kind's
next alert counts every failure since the previous one, those it held back included. Run every minute by the
`operator_alerts` recurring entry. A watchdog run, planned as a delayed job that the workers' own RQ scheduler
starts (one pending at a time, coalesced), checks too when the recurring entry has not run for two minutes: a dead
scheduler process does not silence the alert saying so.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from rq import Worker

from app.background.catalog import KINDS, QUEUES
from app.background.enqueue import EnqueueError, enqueue
from app.background.health import queue_health
from app.background.recurring import RECURRING, make_scheduler, next_runs
from app.extensions import db
from app.i18n import speaking_to
from app.models import JobState, JobStatus, KnownFailure, Notification, User, cluster_key, utcnow
from app.notifications.notify import notify
from app.redis_client import get_redis

log = logging.getLogger(__name__)

UNSERVED_KEY = "timeboard:alerts:unserved-since"  # hash: queue -> unix time it was first seen without a worker


def check(now: datetime | None = None) -> str:
    now = now or utcnow()
    counts = [failed_jobs(now), queue_backlogs(now), missing_workers(now), late_recurring(now)]
    return f"{sum(counts)} alert(s) sent"


WATCHDOG_EVERY = 120
WATCHDOG_KEY = "operator_alerts:watchdog"


def plan_watchdog() -> None:
    try:
        enqueue("operator_alerts", True, key=WATCHDOG_KEY, delay=WATCHDOG_EVERY)
    except EnqueueError as exc:
        log.error("could not plan the operator alert watchdog: %s", exc)


def scheduler_ran_recently(now: datetime) -> bool:
    """Has the recurring entry run lately (the scheduler is alive)? Then the watchdog has nothing to add."""
    last = db.session.scalar(db.select(db.func.max(JobStatus.finished_at)).where(
        JobStatus.kind == "operator_alerts", JobStatus.coalesce_key == "recurring:operator_alerts"))
    return last is not None and (now - last).total_seconds() < WATCHDOG_EVERY


def run(watchdog: bool = False, now: datetime | None = None) -> str:
    """The job: the checks (a watchdog run only when the recurring entry is not running), then the next watchdog."""
    now = now or utcnow()
    try:
        if watchdog and scheduler_ran_recently(now):
            return "the recurring entry runs: nothing to add"
        return check(now)
    finally:
        plan_watchdog()


def _last_alert(subject: str) -> datetime | None:
    return db.session.scalar(db.select(db.func.max(Notification.created_at)).where(
        Notification.kind == "operator_alert", Notification.dedup_key.startswith(f"alert:{subject}:", autoescape=True)))


def _held_back(subject: str, now: datetime) -> bool:
    last = _last_alert(subject)
    return last is not None and (now - last).total_seconds() < current_app.config["ALERT_REPEAT_SECONDS"]


def alert(subject: str, texts: Callable[[], tuple[str, str]], now: datetime, link: str = "/jobs") -> int:
    """Tell every system admin, unless this subject alerted within the repeat window. Returns how many were told.
    `texts()` gives the (title, body), called in each admin's language (the notification stores the text)."""
    if _held_back(subject, now):
        return 0
    admins = db.session.scalars(db.select(User).where(User.is_system_admin.is_(True)).order_by(User.id))
    key = f"alert:{subject}:{now:%Y%m%dT%H%M%S}"
    sent = 0
    for admin in list(admins):
        with speaking_to(admin):
            title, body = texts()
        if notify(admin, "operator_alert", key, title, body, link=link, now=now):
            sent += 1
    if sent:
        with force_locale("en"):  # log lines stay English
            log.warning("operator alert: %s", texts()[0])
    return sent


def failed_jobs(now: datetime) -> int:
    """One alert per job kind failing after its last retry, counting every failure since that kind's last alert.
    Failures of a cluster an operator marked known (/jobs/failures) do not count."""
    window_start = now - timedelta(seconds=current_app.config["ALERT_REPEAT_SECONDS"])
    unknown = cluster_key().not_in(db.select(KnownFailure.fingerprint))
    kinds = db.session.scalars(db.select(JobStatus.kind).where(
        JobStatus.status == JobState.FAILED, JobStatus.finished_at > window_start, unknown).distinct())
    sent = 0
    for kind in list(kinds):
        subject = f"job_failed:{kind}"
        if _held_back(subject, now):
            continue  # held back: its failures are counted in the next alert
        since = _last_alert(subject) or window_start
        failures = list(db.session.scalars(db.select(JobStatus).where(
            JobStatus.kind == kind, JobStatus.status == JobState.FAILED, JobStatus.finished_at > since,
            JobStatus.finished_at <= now, unknown).order_by(JobStatus.finished_at.desc())))
        if not failures:
            continue
        label = KINDS[kind].label if kind in KINDS else kind  # an English msgid (catalog: N_), translated per admin
        latest = failures[0]
        held = len(failures) - 1
        def texts(label=label, failures=failures, since=since, held=held, latest=latest):
            values = {"count": len(failures), "label": _(label), "since": f"{since:%Y-%m-%d %H:%M}",
                      "held": held, "job": latest.rq_job_id,
                      "error": (latest.error_message or _("failed"))[:300]}
            if held:
                body = _("%(count)s '%(label)s' job(s) failed after their last retry since %(since)s UTC (%(held)s of "
                         "them held back, not alerted one by one). Latest: job %(job)s: %(error)s", **values)
            else:
                body = _("%(count)s '%(label)s' job(s) failed after their last retry since %(since)s UTC. Latest: "
                         "job %(job)s: %(error)s", **values)
            return _("Jobs failing: %(label)s", label=values["label"]), body
        sent += alert(subject, texts, now, link=f"/jobs/{latest.rq_job_id}")
    return sent


def queue_backlogs(now: datetime) -> int:
    limit = current_app.config["ALERT_QUEUE_AGE_SECONDS"]
    sent = 0
    for queue, figures in queue_health(now).items():
        age = figures["oldest_age_s"]
        if age is not None and age > limit:
            sent += alert(f"queue:{queue}", lambda queue=queue, age=age, depth=figures["depth"]: (
                _("Queue %(queue)s is backed up", queue=queue),
                _("Its oldest waiting job has waited %(age)s s (threshold %(limit)s s); %(depth)s job(s) are "
                  "waiting.", age=age, limit=limit, depth=depth)), now)
    return sent


def missing_workers(now: datetime) -> int:
    """Queues that no live worker has served for the threshold (a worker killed, or never started)."""
    limit = current_app.config["ALERT_WORKER_MISSING_SECONDS"]
    r = get_redis()
    served = set()
    for worker in Worker.all(connection=r):
        heartbeat = worker.last_heartbeat.replace(tzinfo=None) if worker.last_heartbeat else None
        if heartbeat is not None and (now - heartbeat).total_seconds() < limit:
            served.update(worker.queue_names())
    stamp = now.timestamp()
    unserved = {}
    for queue in QUEUES:
        if queue in served:
            r.hdel(UNSERVED_KEY, queue)
            continue
        r.hsetnx(UNSERVED_KEY, queue, stamp)
        since = float(r.hget(UNSERVED_KEY, queue))
        if stamp - since >= limit:
            unserved[queue] = int(stamp - since)
    if not unserved:
        return 0
    names = ", ".join(sorted(unserved))

    def texts():
        served_for = "; ".join(_("%(queue)s for %(seconds)s s", queue=q, seconds=s)
                               for q, s in sorted(unserved.items()))
        return (ngettext("No worker serves the %(names)s queue", "No worker serves the %(names)s queues",
                         len(unserved), names=names),
                _("No live worker has served %(queues)s (threshold %(limit)s s): their jobs wait. Check the "
                  "Procfile's worker processes.", queues=served_for, limit=limit))
    return alert("workers", texts, now)


def late_recurring(now: datetime) -> int:
    limit = current_app.config["ALERT_RECURRING_LATE_SECONDS"]
    planned = next_runs(make_scheduler(get_redis()))
    sent = 0
    for entry in RECURRING:
        when = planned.get(entry.name)
        if when is None or not entry.is_enabled():
            continue
        late = (now - when).total_seconds()
        if late > limit:
            sent += alert(f"recurring:{entry.name}", lambda name=entry.name, when=when, late=late: (
                _("Recurring job %(name)s did not run on time", name=name),
                _("It was due at %(when)s UTC, %(late)s s ago (threshold %(limit)s s): is the scheduler process "
                  "running?", when=f"{when:%Y-%m-%d %H:%M:%S}", late=int(late), limit=limit)), now)
    return sent
