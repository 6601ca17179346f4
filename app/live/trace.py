"""One job's trace: each stream it published and when a gateway wrote it to its last socket.

The publisher (app/live/publisher.py) gives every push made inside an RQ job a message id and records it under the
job's id; each gateway that delivers it records when its last socket got it (the latest gateway wins: ZADD GT). The
job monitor draws them beside the job's enqueue, start and finish (app/job_monitor/trace.py). Kept a day, at most
MAX_PUBLISHES per job.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from rq import get_current_job

TTL = 24 * 3600
MAX_PUBLISHES = 200
_PUBLISHED = "timeboard:trace:{}:published"
_DELIVERED = "timeboard:trace:{}:delivered"


@dataclass(frozen=True)
class Publish:
    mid: str
    topics: list[str]
    at: float  # epoch seconds, when it was published
    delivered: float | None  # when the last socket got it (None: nobody was watching, or not yet)


def for_current_job() -> dict | None:
    """{"job", "mid"} for a push made inside an RQ job; None outside one."""
    job = get_current_job()
    return None if job is None else {"job": job.id, "mid": secrets.token_hex(6)}


def record_publish(pipe, trace: dict, topics: list[str], at: float) -> None:
    """Add the publish to a pipeline (the publisher's, with its PUBLISH)."""
    key = _PUBLISHED.format(trace["job"])
    pipe.rpush(key, json.dumps({"mid": trace["mid"], "topics": topics, "at": at}))
    pipe.ltrim(key, 0, MAX_PUBLISHES - 1)
    pipe.expire(key, TTL)


async def record_delivery(connection, trace: dict, delivered_at: float) -> None:
    """A gateway wrote the message to its last socket (redis.asyncio connection)."""
    key = _DELIVERED.format(trace["job"])
    pipe = connection.pipeline(transaction=False)
    pipe.zadd(key, {trace["mid"]: delivered_at}, gt=True)
    pipe.expire(key, TTL)
    await pipe.execute()


def read(connection, job_id: str) -> list[Publish]:
    """The job's publishes in order, with their delivery times."""
    raw = connection.lrange(_PUBLISHED.format(job_id), 0, -1)
    delivered = {(m.decode() if isinstance(m, bytes) else m): score
                 for m, score in connection.zrange(_DELIVERED.format(job_id), 0, -1, withscores=True)}
    publishes = []
    for item in raw:
        data = json.loads(item)
        publishes.append(Publish(data["mid"], data["topics"], data["at"], delivered.get(data["mid"])))
    return publishes
