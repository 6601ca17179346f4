"""Does the answer's timing tell which e-mails have accounts? Sign-up, password reset and sign-in, each timed for
an address with an account and one without, side by side (issue 17).

    .venv/bin/python bench/account_timing_bench.py [--rounds 30]

It starts its own Redis and a throwaway SQLite database, builds the app with the production password hashing
(scrypt N=2^17; APP_ENV=development) and sends the requests through the app (Flask's test client: no network,
so what differs is the work each path does). The two addresses of a pair are interleaved, round after round,
so a load change on the machine hits both alike. Rate limits and account locks are off; no job is run (the
requests' own work is what an outsider can time).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import start_redis  # noqa: E402


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(values):8.1f} {p95:8.1f} {ordered[0]:8.1f} {ordered[-1]:8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="requests per address and path (default 30)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="timeboard-account-bench-"))
    redis_server, port = start_redis(tmp)
    try:
        os.environ.update(APP_ENV="development", REDIS_URL=f"redis://127.0.0.1:{port}/0",
                          DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}", OUTBOX_DIR=str(tmp / "outbox"))
        from flask_migrate import upgrade
        from werkzeug.security import generate_password_hash

        from app import create_app
        from app.extensions import db
        from app.models import User
        app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "LOGIN_ACCOUNT_FAILURES": 0})
        with app.app_context():
            upgrade()
            app.logger.disabled = True
            db.session.add_all([
                User(email="known@example.com", name="Known", password_hash=generate_password_hash(
                    "password", method=app.config["PASSWORD_HASH_METHOD"])),
                User(email="old@example.com", name="Old", password_hash=generate_password_hash(
                    "password", method="pbkdf2:sha256:60000")),
            ])
            db.session.commit()
        client = app.test_client()
        signup = {"name": "A", "password": "a long passphrase"}
        pairs = [
            ("sign-up", "/signup", lambda email: {**signup, "email": email},
             ("known@example.com", "an account"), ("new@example.com", "no account")),
            ("password reset", "/password/forgot", lambda email: {"email": email},
             ("known@example.com", "an account"), ("nobody@example.com", "no account")),
            ("sign-in, wrong password", "/login", lambda email: {"email": email, "password": "wrong"},
             ("known@example.com", "an account"), ("nobody@example.com", "no account")),
            ("sign-in, wrong password", "/login", lambda email: {"email": email, "password": "wrong"},
             ("old@example.com", "an old pbkdf2 hash"), ("nobody@example.com", "no account")),
        ]
        print(f"{args.rounds} requests each, milliseconds (production hashing: {app.config['PASSWORD_HASH_METHOD']})")
        print(f"{'path':24} {'address':20} {'median':>8} {'p95':>8} {'min':>8} {'max':>8}   statuses")
        for label, path, data, first, second in pairs:
            times: dict[str, list[float]] = {first[1]: [], second[1]: []}
            statuses: dict[str, set[int]] = {first[1]: set(), second[1]: set()}
            for _ in range(args.rounds):
                for email, kind in (first, second):
                    started = time.perf_counter()
                    response = client.post(path, data=data(email))
                    times[kind].append((time.perf_counter() - started) * 1000)
                    statuses[kind].add(response.status_code)
            for _, kind in (first, second):
                print(f"{label:24} {kind:20} {_ms(times[kind])}   {sorted(statuses[kind])}")
            gap = statistics.median(times[first[1]]) - statistics.median(times[second[1]])
            print(f"{'':24} {'difference':20} {gap:8.1f}")
    finally:
        redis_server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
