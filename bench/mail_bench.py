"""Account e-mail behind long work: a password reset's time from the request to its message in the outbox,
with 5 large reports queued, against the same with idle workers (issue 17).

    .venv/bin/python bench/mail_bench.py             # 5 XLSX reports of 100,000 rows each (a few minutes)
    .venv/bin/python bench/mail_bench.py --quick     # 5 CSV reports of 2,000 rows, about a minute
    .venv/bin/python bench/mail_bench.py --rows 300000 --format csv --resets 5

Its own redis-server and temporary SQLite database; the workers are the Procfile's `worker` and `mail_worker`
lines, run as they are. Each reset goes through the account service (`request_password_reset`, the code the
/password/forgot form runs) and is timed until its .eml file is in OUTBOX_DIR (no MAIL_SERVER). The last row,
"before", runs the layout this replaced: one forking worker serving `mail` after `reports`, as `notifications`
was (skip it with --no-before; it waits for the 5 reports).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")
os.environ["RATELIMIT_ENABLED"] = "0"

from bench._common import Server, flask_command, start_redis  # noqa: E402

REPORTS = 5
EMAIL = "u0@bench.test"  # the organization's owner in bench/report_bench.py's data
WAIT = 900  # seconds: the longest a reset may take before the run gives up


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="time logs in each report")
    parser.add_argument("--format", default="xlsx", choices=["csv", "xlsx", "pdf"])
    parser.add_argument("--resets", type=int, default=3, help="resets timed per scenario")
    parser.add_argument("--quick", action="store_true", help="2,000 rows in CSV, 2 resets")
    parser.add_argument("--no-before", action="store_true", help="skip the old single-worker layout")
    args = parser.parse_args()
    rows, resets = (2_000, 2) if args.quick else (args.rows, args.resets)
    fmt = "csv" if args.quick else args.format

    with tempfile.TemporaryDirectory(prefix="mail-bench-") as tmp_name:
        tmp = Path(tmp_name)
        redis_server, port = start_redis(tmp)
        env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{port}/0", "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
               "OUTBOX_DIR": str(tmp / "outbox"), "REPORTS_DIR": str(tmp / "reports"), "PYTHONUNBUFFERED": "1"}
        env.pop("MAIL_SERVER", None)
        os.environ.update({k: env[k] for k in ("REDIS_URL", "DATABASE_URL", "OUTBOX_DIR", "REPORTS_DIR")})
        try:
            from bench.report_bench import _fill

            _fill(env["DATABASE_URL"], 0, rows)
            app = _app()
            procfile = [procfile_args("mail_worker"), procfile_args("worker")]
            results = [("idle workers (Procfile)", run_scenario(app, env, tmp, procfile, 0, fmt, resets)),
                       (f"{REPORTS} reports of {rows:,} rows queued (Procfile)",
                        run_scenario(app, env, tmp, procfile, REPORTS, fmt, resets))]
            if not args.no_before:
                before = [["jobs", "worker", "dashboard_system", "default", "reports", "notifications", "maintenance",
                           "mail"]]
                results.append((f"{REPORTS} reports queued, one worker, mail after reports (before)",
                                run_scenario(app, env, tmp, before, REPORTS, fmt, 1)))
        finally:
            redis_server.stop()
    print_table(results, fmt)
    return 0


def procfile_args(name: str) -> list[str]:
    """The Procfile line's command after `flask --app wsgi`."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return command.split("wsgi", 1)[1].split()
    raise SystemExit(f"the Procfile has no {name} line")


def _app():
    from app import create_app
    return create_app({"APP_ENV": "test", "RATELIMIT_ENABLED": False})


def run_scenario(app, env: dict, tmp: Path, workers: list[list[str]], reports: int, fmt: str,
                 resets: int) -> list[float]:
    """Start the workers, queue `reports` reports and wait until one runs, then time `resets` password resets one
    after the other; the workers are stopped (and Redis emptied) before returning."""
    import redis

    from app.extensions import db
    from app.models import Report, User
    servers = [Server(flask_command(*w), tmp / f"worker-{i}-{time.time():.0f}.log", env) for i, w in enumerate(workers)]
    try:
        connection = redis.Redis.from_url(env["REDIS_URL"])
        deadline = time.time() + 60
        while connection.scard("rq:workers") < len(servers):  # every worker is up and listening
            if time.time() > deadline:
                raise SystemExit("the workers did not start:\n" + servers[-1].output()[-3000:])
            time.sleep(0.1)
        with app.app_context():
            owner = db.session.scalar(db.select(User).where(User.email == EMAIL))
            ids = [_queue_report(owner, fmt).id for _ in range(reports)]
            deadline = time.time() + 120
            while ids and time.time() < deadline:  # the first report has a worker
                db.session.expire_all()
                if db.session.get(Report, ids[0]).status == "running":
                    break
                time.sleep(0.1)
            else:
                if ids:
                    raise SystemExit("no worker took the first report:\n" + servers[-1].output()[-3000:])
            times = [_time_reset(app, Path(env["OUTBOX_DIR"])) for _ in range(resets)]
            if ids:
                db.session.expire_all()
                waiting = sum(db.session.get(Report, i).status in ("pending", "running") for i in ids)
                print(f"  ({waiting} of {reports} reports still queued or running after the last reset)", flush=True)
        return times
    finally:
        for server in servers:
            server.stop()
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        _forget_jobs(app)


def _forget_jobs(app) -> None:
    """The scenario's reports and job records go, so the next scenario's workers find nothing left to reconcile
    (they would queue the unfinished ones again: nothing is lost when Redis is emptied)."""
    from app.extensions import db
    from app.models import JobStatus, Notification, Report
    with app.app_context():
        for model in (Notification, Report, JobStatus):
            db.session.execute(db.delete(model))
        db.session.commit()


def _queue_report(owner, fmt: str):
    from app.extensions import db
    from app.models import Organization, TimeLog
    from app.reports import runs
    from app.reports.params import ReportParams
    org = db.session.scalar(db.select(Organization))
    first = db.session.scalar(db.select(db.func.min(TimeLog.start_time)))
    last = db.session.scalar(db.select(db.func.max(TimeLog.start_time)))
    params = ReportParams(organization_id=org.id, range="custom", date_from=first.date().isoformat(),
                          date_to=last.date().isoformat(), groups=["project", "user"], format=fmt, time_zone="UTC")
    return runs.create_report(owner, params)


def _time_reset(app, outbox: Path) -> float:
    from app.accounts import accounts
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    started = time.perf_counter()
    with app.test_request_context():
        accounts.request_password_reset(EMAIL)
    deadline = time.time() + WAIT
    while time.time() < deadline:
        if outbox.exists() and set(outbox.glob("*.eml")) - before:
            seconds = time.perf_counter() - started
            print(f"  reset e-mail in the outbox after {seconds:.2f} s", flush=True)
            return seconds
        time.sleep(0.01)
    raise SystemExit(f"the reset e-mail did not arrive within {WAIT} s")


def print_table(results: list[tuple[str, list[float]]], fmt: str) -> None:
    baseline = statistics.median(results[0][1])
    print()
    print(f"{'scenario':<62} {'median s':>9} {'max s':>7} {'baseline s':>11} {'ratio':>7}")
    for name, times in results:
        value = statistics.median(times)
        print(f"{name:<62} {value:>9.2f} {max(times):>7.2f} {baseline:>11.2f} {value / baseline:>6.1f}x")
    print(f"reset e-mail: request -> .eml in the outbox; reports in {fmt.upper()}; baseline: idle workers; "
          "ratio: value / baseline")


if __name__ == "__main__":
    raise SystemExit(main())
