"""Bare RQ, the baseline of the job-throughput rows: a plain rq.Worker (forking) or rq.SimpleWorker on the given
queues, inside one app context (so a dashboard function finds the database), with none of `flask jobs worker`'s
supervision, reconciliation or tracking. The app context is pushed before the work loop and no query runs in this
process before the loop: a forked work horse opens its own database connections.

    .venv/bin/python bench/_bare_rq_worker.py [--simple] QUEUE...
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--simple", action="store_true", help="rq.SimpleWorker (no fork) instead of rq.Worker")
    parser.add_argument("queues", nargs="+")
    args = parser.parse_args()

    import redis
    from rq import Queue, SimpleWorker, Worker

    from app import create_app

    connection = redis.Redis.from_url(os.environ["REDIS_URL"])
    worker_class = SimpleWorker if args.simple else Worker
    with create_app().app_context():
        worker = worker_class([Queue(q, connection=connection) for q in args.queues], connection=connection)
        worker.work(with_scheduler=False, logging_level="WARNING")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
