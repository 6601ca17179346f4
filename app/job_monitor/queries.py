"""Queries behind the job monitor (/jobs): who sees which jobs, counts, throughput. (Queue health is the job
engine's: app/background/health.py.)"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select

from app import policies
from app.background.catalog import KINDS, QUEUES
from app.extensions import db
from app.job_monitor import search_box
from app.live.topics import JobsTopic, jobs_topics_for_viewer
from app.models import JobState, JobStatus, User, cluster_key, utcnow
from app.web.form_filters import parse_id

STATUSES = [str(s) for s in JobState]


def job_scope(user: User) -> Select:
    """The jobs a user may see (app/policies.py)."""
    return policies.job_scope(user)


def topics(user: User) -> list[JobsTopic]:
    return jobs_topics_for_viewer(user)


def find_job(identifier: str) -> JobStatus | None:
    """By RQ job id, or by JobStatus id when the identifier is a number."""
    status = db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == identifier))
    if status is None and parse_id(identifier) is not None:
        status = db.session.get(JobStatus, parse_id(identifier))
    return status


def find_visible(user: User, identifier: str) -> JobStatus | None:
    status = find_job(identifier)
    if status is None or not policies.can_view_job(user, status):
        return None  # another user's job is as unknown as a missing one
    return status


TEXT_MAX = 200
CLUSTER_KEY = re.compile(r"^(?:[0-9a-f]{16}|kind:[a-z0-9_]{1,59})$")
MAX_DAYS = 3650
FILTER_NAMES = ("q", "cluster", "discarded", "id", "status", "queue", "kind", "organization", "requester", "text",
                "older_than")


@dataclass
class Filters:
    """The job monitor's search, all in the URL: /jobs?q=timeout&status=failed&older_than=7.

    q: the one search box (search_box.py: an id, an e-mail, a kind, a queue or words of an error message);
    cluster: a failure cluster's key (clusters.py); discarded: discarded jobs only (else they are left out);
    id: a job's RQ id (or its first 6+ characters), its number, or the id of the request that enqueued it;
    organization: an organization id; requester: a user id or e-mail; text: words in the job's arguments,
    error or result (case-insensitive); older_than: days since the job finished (or was enqueued)."""
    q: str | None = None
    cluster: str | None = None
    discarded: bool | None = None
    id: str | None = None
    status: str | None = None
    queue: str | None = None
    kind: str | None = None
    organization: int | None = None
    requester: str | None = None
    text: str | None = None
    older_than: int | None = None

    @classmethod
    def parse(cls, args) -> tuple[Filters, list[str]]:
        """Filters from query args (or a form), and one clear message per value that cannot be used."""
        errors = []
        values = {}
        for name, allowed in (("status", STATUSES), ("queue", QUEUES), ("kind", sorted(KINDS))):
            value = (args.get(name) or "").strip()
            if not value:
                continue
            if value not in allowed:
                errors.append(_unknown(name, repr(value[:40]), ", ".join(allowed)))
            else:
                values[name] = value
        box = " ".join((args.get("q") or "").split())
        if box:
            problem = search_box.validate(box)
            if problem:
                errors.append(problem)
            else:
                values["q"] = box
        raw_cluster = (args.get("cluster") or "").strip()
        if raw_cluster:
            if CLUSTER_KEY.match(raw_cluster):
                values["cluster"] = raw_cluster
            else:
                errors.append(_("A failure cluster is named by its 16-character fingerprint (from /jobs/failures)."))
        raw_discarded = (args.get("discarded") or "").strip().lower()
        if raw_discarded:
            if raw_discarded in ("1", "true", "yes", "on"):
                values["discarded"] = True
            else:
                errors.append(_("Discarded takes 1 (discarded jobs only) or nothing."))
        raw_id = (args.get("id") or "").strip()
        if raw_id:
            if len(raw_id) <= 64 and all(c.isascii() and (c.isalnum() or c in "._:-") for c in raw_id):
                values["id"] = raw_id
            else:
                errors.append(_("A job id is an RQ job id, a job number or a request id (letters, digits, '.', "
                                "'_', ':' or '-', at most 64)."))
        raw_org = (args.get("organization") or "").strip()
        if raw_org:
            if parse_id(raw_org) is None:
                errors.append(_("Organization must be an organization's number, not %(value)s.",
                                value=repr(raw_org[:40])))
            else:
                values["organization"] = parse_id(raw_org)
        requester = (args.get("requester") or "").strip()
        if requester:
            if parse_id(requester) is None and ("@" not in requester or len(requester) > 254):
                errors.append(_("Requester must be a user's number or e-mail address."))
            else:
                values["requester"] = requester.lower()
        text = (args.get("text") or "").strip()
        if text:
            if len(text) > TEXT_MAX:
                errors.append(_("Search text is limited to %(max)s characters.", max=TEXT_MAX))
            else:
                values["text"] = text
        raw_days = (args.get("older_than") or "").strip()
        if raw_days:
            days = parse_id(raw_days)
            if days is None or not 0 < days <= MAX_DAYS:
                errors.append(_("Older than takes a number of days from 1 to %(max)s, not %(value)s.", max=MAX_DAYS,
                                 value=repr(raw_days[:40])))
            else:
                values["older_than"] = days
        return cls(**values), errors

    def apply(self, query: Select, now: datetime | None = None) -> Select:
        query = self.narrow(query, now)
        query = query.where(JobStatus.discarded_at.is_not(None) if self.discarded else JobStatus.discarded_at.is_(None))
        if self.status:
            query = query.where(JobStatus.status == self.status)
        return query

    def narrow(self, query: Select, now: datetime | None = None) -> Select:
        """Every filter but the status and the discarded switch: what the status counts above the list count."""
        if self.q:
            query = query.where(search_box.clause(self.q))
        if self.cluster:
            query = query.where(cluster_key() == self.cluster)
        if self.id:
            matches = [JobStatus.rq_job_id == self.id, JobStatus.request_id == self.id]
            if parse_id(self.id) is not None:
                matches.append(JobStatus.id == parse_id(self.id))
            if len(self.id) >= 6:
                matches.append(JobStatus.rq_job_id.like(_like_prefix(self.id), escape="\\"))
            query = query.where(or_(*matches))
        if self.queue:
            query = query.where(JobStatus.queue == self.queue)
        if self.kind:
            query = query.where(JobStatus.kind == self.kind)
        if self.organization is not None:
            query = query.where(JobStatus.organization_id == self.organization)
        if self.requester:
            if parse_id(self.requester) is not None:
                query = query.where(JobStatus.user_id == parse_id(self.requester))
            else:
                query = query.where(JobStatus.user_id.in_(select(User.id).where(User.email == self.requester)))
        if self.text:
            pattern = _like_anywhere(self.text.lower())
            query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in
                                      (JobStatus.args_summary, JobStatus.error_message, JobStatus.result_summary))))
        if self.older_than:
            cutoff = (now or utcnow()) - timedelta(days=self.older_than)
            query = query.where(func.coalesce(JobStatus.finished_at, JobStatus.enqueued_at) < cutoff)
        return query

    def as_args(self) -> dict[str, str]:
        return {k: ("1" if v is True else str(v)) for k, v in vars(self).items() if v is not None and v != ""}

    def narrowing_args(self) -> dict[str, str]:
        """as_args() but the status and the discarded switch: what a status count's link keeps."""
        return {k: v for k, v in self.as_args().items() if k not in ("status", "discarded")}

    @property
    def any(self) -> bool:
        return bool(self.as_args())

    @property
    def advanced(self) -> bool:
        """Any filter besides the search box (the page opens "More filters")."""
        return any(k != "q" for k in self.as_args())

    @staticmethod
    def _describe_one(name: str, value: str) -> str:
        if name == "discarded":
            return "discarded"
        if name == "q":
            return f"search '{value}'"
        return f"{name.replace('_', ' ')} {value}" + (" days" if name == "older_than" else "")

    def describe(self) -> str:
        """In words, for the audit trail (kept in English): "kind echo, status failed, older than 7 days"."""
        parts = [self._describe_one(k, v) for k, v in self.as_args().items()]
        return ", ".join(parts) or "every job"

    def in_words(self) -> str:
        """describe() in the reader's language, for the confirm step."""
        words = {"discarded": lambda v: _("discarded"), "q": lambda v: _("search '%(text)s'", text=v),
                 "cluster": lambda v: _("cluster %(value)s", value=v), "id": lambda v: _("id %(value)s", value=v),
                 "status": lambda v: _("status %(value)s", value=v), "queue": lambda v: _("queue %(value)s", value=v),
                 "kind": lambda v: _("kind %(value)s", value=v),
                 "organization": lambda v: _("organization %(value)s", value=v),
                 "requester": lambda v: _("requester %(value)s", value=v),
                 "text": lambda v: _("text %(value)s", value=v),
                 "older_than": lambda v: _("older than %(value)s days", value=v)}
        parts = [words[k](v) if k in words else self._describe_one(k, v) for k, v in self.as_args().items()]
        return ", ".join(parts) or _("every job")


def _unknown(name: str, value: str, choices: str) -> str:
    if name == "status":
        return _("Unknown status %(value)s; choose one of: %(choices)s.", value=value, choices=choices)
    if name == "queue":
        return _("Unknown queue %(value)s; choose one of: %(choices)s.", value=value, choices=choices)
    return _("Unknown kind %(value)s; choose one of: %(choices)s.", value=value, choices=choices)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_anywhere(text: str) -> str:
    return f"%{_escape_like(text)}%"


def _like_prefix(text: str) -> str:
    return f"{_escape_like(text)}%"


def search(user: User, filters: Filters) -> Select:
    """The jobs a user may see that match the filters (no order)."""
    return filters.apply(job_scope(user))


def exact_match(user: User, filters: Filters) -> JobStatus | None:
    """The one job whose whole RQ id was searched in the box, when the user may see it and it fits the other
    filters: the search opens it instead of listing it."""
    rq_id = search_box.full_id(filters.q or "")
    if rq_id is None:
        return None
    return db.session.scalar(search(user, filters).where(JobStatus.rq_job_id == rq_id))


def listing(user: User, filters: Filters, page: int, per_page: int = 25):
    query = search(user, filters).order_by(JobStatus.enqueued_at.desc(), JobStatus.id.desc())
    return db.paginate(query, page=max(1, page), per_page=per_page, error_out=False)


def status_counts(user: User, filters: Filters | None = None) -> dict[str, int]:
    """Jobs per status as the list shows them (discarded ones apart, under "discarded"), among those the
    filters but their status narrow to: a search counts what it found, by status."""
    scoped = (filters.narrow(job_scope(user)) if filters else job_scope(user)).subquery()
    status = case((scoped.c.discarded_at.is_not(None), "discarded"), else_=scoped.c.status)
    rows = db.session.execute(select(status, func.count()).group_by(status)).all()
    counts = dict.fromkeys([*STATUSES, "discarded"], 0)
    counts.update({name: n for name, n in rows})
    return counts


@dataclass
class MinuteBucket:
    start: datetime
    completed: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.completed + self.failed


def throughput(user: User, minutes: int = 60, now: datetime | None = None) -> list[MinuteBucket]:
    """Jobs finished per minute over the last hour, oldest first (bucketed in Python: portable SQL)."""
    now = (now or utcnow()).replace(second=0, microsecond=0) + timedelta(minutes=1)
    since = now - timedelta(minutes=minutes)
    buckets = [MinuteBucket(since + timedelta(minutes=i)) for i in range(minutes)]
    scoped = job_scope(user).subquery()
    rows = db.session.execute(
        select(scoped.c.finished_at, scoped.c.status)
        .where(scoped.c.finished_at >= since, scoped.c.finished_at < now,
               scoped.c.status.in_([JobState.COMPLETED, JobState.FAILED]))
    ).all()
    for finished_at, status in rows:
        index = int((finished_at - since).total_seconds() // 60)
        if 0 <= index < minutes:
            if status == JobState.FAILED:
                buckets[index].failed += 1
            else:
                buckets[index].completed += 1
    return buckets
