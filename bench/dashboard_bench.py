"""Dashboard response time: the non-blocking page shell against computing the metrics in the request.

    .venv/bin/python bench/dashboard_bench.py [--logs 300000] [--runs 20]

Seeds a fresh temporary SQLite database through app/services/seeding, starts its own redis-server,
signs in as the organization's owner and measures, for the organization dashboard:
- shell: GET /dashboard/org/<id> (what Timeboard does: render skeletons or cached sections, enqueue
  one coalesced job);
- baseline: the same metrics computed synchronously, as a blocking dashboard would in its request
  (app.services.dashboards.recompute.compute_now, the code the job runs);
- job: recompute(key), the whole job body (compute, cache and broadcast every section).
Prints medians and the ratio baseline / shell.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import median_ms, start_redis  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logs", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="timeboard-bench-"))
    redis, port = start_redis(tmp)
    os.environ.update(APP_ENV="test", RATELIMIT_ENABLED="0", REDIS_URL=f"redis://127.0.0.1:{port}/0",
                      DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}")
    try:
        from flask_migrate import upgrade
        from sqlalchemy import func, select

        from app import create_app
        from app.extensions import db
        from app.models import Membership, TimeLog, User
        from app.services.dashboards.recompute import compute_now, recompute
        from app.services.seeding import seed
        from app.topics import DashboardKey

        app = create_app({"WTF_CSRF_ENABLED": False})
        with app.app_context():
            upgrade()
            seed(orgs=1, users_per_org=200, days=800, seed=1, max_logs=args.logs)
            owner = db.session.scalar(select(User).join(Membership).where(Membership.role == "owner"))
            org_id = owner.memberships[0].organization_id
            logs = db.session.scalar(select(func.count()).select_from(TimeLog))
            owner_email = owner.email
        key = DashboardKey("org", org_id)
        client = app.test_client()
        client.post("/login", data={"email": owner_email, "password": "password"})

        def shell():
            with app.app_context():
                assert client.get(f"/dashboard/org/{org_id}").status_code == 200

        def baseline():
            with app.app_context():
                compute_now(key)
                db.session.remove()

        def job():
            with app.app_context():
                recompute(key)
                db.session.remove()

        shell()  # warm templates and connections
        shell_ms = median_ms(shell, args.runs)
        baseline_ms = median_ms(baseline, max(3, args.runs // 4))
        job_ms = median_ms(job, max(3, args.runs // 4))
        print(f"organization dashboard over {logs:,} time logs (SQLite, median of runs)")
        print(f"{'what':<48} {'ms':>9} {'vs shell':>9}")
        print(f"{'shell: GET /dashboard/org/<id> (Timeboard)':<48} {shell_ms:>9.1f} {1:>8.1f}x")
        print(f"{'baseline: metrics computed in the request':<48} {baseline_ms:>9.1f} {baseline_ms / shell_ms:>8.1f}x")
        print(f"{'job: compute + cache + broadcast (worker)':<48} {job_ms:>9.1f} {job_ms / shell_ms:>8.1f}x")
    finally:
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
