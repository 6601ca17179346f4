"""The REST API against the pages, for the same operations: listing time entries (a page of 20) and creating one.

    .venv/bin/python bench/api_bench.py                # 2,000 entries, 300 requests per operation
    .venv/bin/python bench/api_bench.py --entries 20000 --requests 1000
    .venv/bin/python bench/api_bench.py --quick        # a few seconds

Both sides run in this process through the WSGI app (Flask's test client: no network, no gunicorn), on a temporary
SQLite database and a throwaway Redis (writes fan out to streams and dashboards as they do live), so the figures
compare the two code paths alone. Printed side by side: requests per second, and the API's figure as a ratio of
the page's (above 1: the API is faster).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.processes import start_redis  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=2000, help="time entries in the database")
    parser.add_argument("--requests", type=int, default=300, help="requests per operation and side")
    parser.add_argument("--quick", action="store_true", help="200 entries, 30 requests")
    args = parser.parse_args()
    entries, requests = (200, 30) if args.quick else (args.entries, args.requests)
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        redis_server, port = start_redis(Path(tmp))
        try:
            os.environ.update(APP_ENV="test", DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
                              REDIS_URL=f"redis://127.0.0.1:{port}/0", RATELIMIT_ENABLED="0",
                              OUTBOX_DIR=f"{tmp}/outbox", REPORTS_DIR=f"{tmp}/reports")
            run(entries, requests)
        finally:
            redis_server.stop()
    return 0


def run(entries: int, requests: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.access_tokens import create_token
    from app.extensions import db
    from app.models import Membership, Organization, Project, Role, TimeLog, User, utcnow
    from app.passwords import hash_password

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        org = Organization(name="Bench")
        user = User(email="bench@example.test", name="Bench", password_hash=hash_password("password"))
        db.session.add_all([org, user])
        db.session.flush()
        db.session.add(Membership(organization_id=org.id, user_id=user.id, role=Role.MEMBER))
        project = Project(organization_id=org.id, name="Bench project")
        db.session.add(project)
        db.session.flush()
        start = utcnow() - timedelta(days=300)
        db.session.add_all([TimeLog(user_id=user.id, organization_id=org.id, project_id=project.id,
                                    start_time=start + timedelta(minutes=90 * i),
                                    end_time=start + timedelta(minutes=90 * i + 60), duration_minutes=60,
                                    description=f"entry {i}", billable=True) for i in range(entries)])
        db.session.commit()
        token = create_token(user, "bench", "write")[1]
        project_id = project.id

    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    page = app.test_client()
    assert page.post("/login", data={"email": "bench@example.test", "password": "password"}).status_code == 303

    def day(i: int) -> str:
        return (utcnow() - timedelta(days=1 + i % 300)).date().isoformat()

    def api_create(i: int):
        return api.post("/api/v1/time-entries", headers=headers, json={
            "project_id": project_id, "start": f"{day(i)}T{i % 10 + 8:02d}:00:00Z", "duration_minutes": 30,
            "description": f"api {i}"})

    def page_create(i: int):
        return page.post("/time-logs/new", data={
            "project_id": project_id, "day": day(i), "start": f"{i % 10 + 8:02d}:00", "duration": "30",
            "description": f"page {i}", "billable": "y"})

    operations = [
        ("list 20 entries", lambda i: api.get("/api/v1/time-entries?limit=20", headers=headers), 200,
         lambda i: page.get("/time-logs"), 200),
        ("create an entry", api_create, 201, page_create, 303),
    ]
    print(f"{entries:,} entries, {requests} requests per operation and side (in-process WSGI, SQLite)")
    print(f"{'operation':<18} {'API req/s':>10} {'page req/s':>11} {'API / page':>11}")
    for name, api_call, api_status, page_call, page_status in operations:
        api_rate = rate(api_call, api_status, requests)
        page_rate = rate(page_call, page_status, requests)
        print(f"{name:<18} {api_rate:>10.1f} {page_rate:>11.1f} {api_rate / page_rate:>10.2f}x")


def rate(call, status: int, requests: int) -> float:
    call(-1)  # warm up (templates compiled, connections open)
    began = time.perf_counter()
    for i in range(requests):
        response = call(i)
        if response.status_code != status:
            raise SystemExit(f"unexpected {response.status_code}: {response.get_data(as_text=True)[:500]}")
    return requests / (time.perf_counter() - began)


if __name__ == "__main__":
    sys.exit(main())
