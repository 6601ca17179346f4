"""The job monitor's one search box (/jobs?q=...): one text that may be an id (our number, the RQ id or its first
6+ hex characters, the id of the request that enqueued the job), an e-mail (the job's requester), a kind (its name
or words of its label), a queue, or words of an error message. Each reading that fits the text is tried, and a job
matching any of them is found; the box combines (AND) with the other filters."""
from __future__ import annotations

import re
from functools import cache

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select

from app.background.catalog import KINDS, QUEUES
from app.i18n import LANGUAGES
from app.job_monitor.wording import label
from app.models import JobStatus, User
from app.web.form_filters import parse_id

MAX = 200
ID_CHARS = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEX_PREFIX = re.compile(r"^[0-9a-f]{6,64}$")
FULL_RQ_ID = re.compile(r"^[0-9a-f]{32}$")
WORDS_MAX = 8


def validate(text: str) -> str | None:
    """The problem with a search text, or None when it can be searched."""
    if len(text) > MAX:
        return _("Search is limited to %(max)s characters.", max=MAX)
    return None


def clause(text: str) -> ColumnElement[bool]:
    """Jobs matching any reading of the text."""
    text = text.strip()
    lowered = text.lower()
    readings = []
    if ID_CHARS.match(text):
        readings += [JobStatus.rq_job_id == text, JobStatus.request_id == text]
        if parse_id(text) is not None:
            readings.append(JobStatus.id == parse_id(text))
        if HEX_PREFIX.match(lowered):
            readings.append(JobStatus.rq_job_id.like(f"{lowered}%"))
    if "@" in text and " " not in text:
        readings.append(JobStatus.user_id.in_(select(User.id).where(func.lower(User.email) == lowered)))
    kinds = matching_kinds(lowered)
    if kinds:
        readings.append(JobStatus.kind.in_(kinds))
    if lowered in QUEUES:
        readings.append(JobStatus.queue == lowered)
    words = lowered.split()[:WORDS_MAX]
    if words:  # every word somewhere in the error message, in any order and case
        readings.append(and_(*(func.lower(JobStatus.error_message).like(f"%{_escape_like(w)}%", escape="\\")
                               for w in words)))
    return or_(*readings)


def matching_kinds(lowered: str) -> list[str]:
    """Kinds named by the text: the internal name, or a label containing it ("report", "e-mail", "bericht"), in any
    language we offer (the words a job's title shows its reader), so the same search finds the same jobs for every
    reader: a shared link, and a bulk action that a worker runs again in its own language."""
    if not lowered:
        return []
    return sorted(name for name, labels in _labels().items()
                  if lowered == name or lowered.replace(" ", "_") == name or any(lowered in text for text in labels))


@cache
def _labels() -> dict[str, tuple[str, ...]]:
    """Each kind's label, lower-cased, in English and every language we offer (once per process)."""
    labels = {name: {kind.label.lower()} for name, kind in KINDS.items()}
    for code in LANGUAGES:
        with force_locale(code):
            for name in KINDS:
                labels[name].add(label(name).lower())
    return {name: tuple(sorted(texts)) for name, texts in labels.items()}


def full_id(text: str) -> str | None:
    """The text when it is one job's whole RQ id (searching it opens that job)."""
    text = text.strip().lower()
    return text if FULL_RQ_ID.match(text) else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
