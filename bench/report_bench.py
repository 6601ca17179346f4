"""Report generation: rows/s and peak memory (RSS) per format, the streaming report service against a naive
baseline (every row loaded into a list first, then written; XLSX through openpyxl's normal, in-memory mode).

    .venv/bin/python bench/report_bench.py             # 100,000 and 1,000,000 time logs, temporary SQLite
    .venv/bin/python bench/report_bench.py --quick     # 2,000 rows, seconds (a test runs this)
    .venv/bin/python bench/report_bench.py --rows 100000 --formats csv,xlsx

Each measurement runs in its own process, so its peak RSS (VmHWM) is its own. The naive XLSX at
1,000,000 rows would hold every cell in memory (several GB): it runs only with --naive-xlsx-max raised.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")
os.environ["RATELIMIT_ENABLED"] = "0"

START = datetime(2020, 1, 1)  # one log a minute: 1,000,000 logs end in 2021, all in the past


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated row counts")
    parser.add_argument("--formats", default="csv,xlsx,pdf")
    parser.add_argument("--quick", action="store_true", help="2,000 rows, every format (for the test suite)")
    parser.add_argument("--naive-xlsx-max", type=int, default=200_000,
                        help="largest row count for the in-memory XLSX baseline")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(json.loads(args.child))
    counts = [2000] if args.quick else [int(n) for n in args.rows.split(",")]
    formats = args.formats.split(",")
    print(f"{'rows':>10} {'format':<6} {'method':<10} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12} "
          f"{'x time':>7} {'x memory':>9}")
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        made = 0
        for count in sorted(counts):
            made = _fill(url, made, count)
            for fmt in formats:
                stream = _measure(url, tmp, fmt, "streaming", count)
                if fmt == "xlsx" and count > args.naive_xlsx_max:
                    naive = None
                else:
                    naive = _measure(url, tmp, fmt, "naive", count)
                _print(count, fmt, "streaming", stream, naive)
                if naive:
                    _print(count, fmt, "naive", naive, None)
                else:
                    print(f"{count:>10,} {fmt:<6} {'naive':<10} (not run: every cell in memory; --naive-xlsx-max)")
    return 0


def _print(count, fmt, method, m, naive) -> None:
    ratio_t = f"{naive['seconds'] / m['seconds']:.1f}" if naive else ""
    ratio_m = f"{naive['rss_mb'] / m['rss_mb']:.1f}" if naive else ""
    print(f"{count:>10,} {fmt:<6} {method:<10} {m['seconds']:>8.1f} {m['rows'] / m['seconds']:>9,.0f} "
          f"{m['rss_mb']:>12.0f} {ratio_t:>7} {ratio_m:>9}", flush=True)


def _measure(url: str, tmp: str, fmt: str, method: str, count: int) -> dict:
    spec = json.dumps({"url": url, "dir": tmp, "format": fmt, "method": method, "rows": count})
    done = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{fmt} {method} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the data ------------------------------------------------------------------------------------------------
def _app(url: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "APP_ENV": "test"})


def _fill(url: str, made: int, count: int) -> int:
    """Add time logs until there are `count` (one organization, 50 people, 20 projects)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Membership, Organization, Project, TimeLog, User

    app = _app(url)
    with app.app_context():
        if made == 0:
            upgrade()
            org = Organization(name="Bench Ltd", currency="EUR")
            db.session.add(org)
            db.session.flush()
            users = [User(email=f"u{i}@bench.test", name=f"Person {i}") for i in range(50)]
            projects = [Project(organization_id=org.id, name=f"Project {i}", hourly_rate=80 + i if i % 2 else None)
                        for i in range(20)]
            db.session.add_all(users + projects)
            db.session.flush()
            db.session.add_all([Membership(organization_id=org.id, user_id=u.id, role="owner" if i == 0 else "member")
                                for i, u in enumerate(users)])
            db.session.commit()
        org_id = db.session.scalar(db.select(Organization.id))
        user_ids = list(db.session.scalars(db.select(User.id)))
        project_ids = list(db.session.scalars(db.select(Project.id)))
        rng = random.Random(made)
        for first in range(made, count, 50_000):
            batch = []
            for i in range(first, min(count, first + 50_000)):
                start = START + timedelta(minutes=i)
                minutes = rng.randint(5, 170)
                batch.append(dict(organization_id=org_id, user_id=rng.choice(user_ids),
                                  project_id=rng.choice(project_ids), start_time=start,
                                  end_time=start + timedelta(minutes=minutes), duration_minutes=minutes,
                                  description=f"Work item {i}: {'review' if i % 3 else 'build'}", billable=i % 4 != 0))
            db.session.execute(insert(TimeLog), batch)
            db.session.commit()
        db.engine.dispose()
    return count


# -- one measurement (its own process) ----------------------------------------------------------------------
def _child(spec: dict) -> int:
    from app.extensions import db
    from app.models import Organization, TimeLog
    from app.reports.params import ReportParams

    app = _app(spec["url"])
    with app.app_context():
        org = db.session.scalar(db.select(Organization))
        first = db.session.scalar(db.select(db.func.min(TimeLog.start_time)))
        last = db.session.scalar(db.select(db.func.max(TimeLog.start_time)))
        params = ReportParams(organization_id=org.id, range="custom", date_from=first.date().isoformat(),
                              date_to=last.date().isoformat(), groups=["project", "user"], format=spec["format"],
                              time_zone="UTC")  # the 5-year limit is the form's; the bench covers every row
        out = Path(spec["dir"]) / f"{spec['format']}-{spec['method']}"
        out.mkdir(exist_ok=True)
        started = time.perf_counter()
        rows = (_streaming if spec["method"] == "streaming" else _naive)(params, org, out)
        seconds = time.perf_counter() - started
    if rows != spec["rows"]:
        raise SystemExit(f"the report holds {rows:,} rows, not the {spec['rows']:,} in the database")
    print(json.dumps({"rows": rows, "seconds": seconds, "rss_mb": peak_rss_mb()}))
    return 0


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM belongs to the address space, so it starts afresh at exec; ru_maxrss
    would also count the parent's pages shared before the exec (the parent holds the generated data)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _streaming(params, org, out: Path) -> int:
    from app.models import utcnow
    from app.reports.generate import generate

    return generate(params, None, org, out, "report", utcnow()).rows


def _naive(params, org, out: Path) -> int:
    """What an export inside a web request does: every row in a list first, then the file. CSV and PDF go
    through the same writers as the service (the same output, zip included); XLSX through openpyxl's
    normal mode (every cell an object in memory until save), the way such exports are usually written."""
    from app.models import utcnow
    from app.reports import query
    from app.reports.grouping import Grouper
    from app.reports.params import describe
    from app.reports.writers.formats import Meta, open_writer

    rows = list(query.iter_rows(params, None, utcnow()))
    grouper = Grouper(params.groups)
    for row in rows:
        grouper.add(row)
    if params.format == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        for r in rows:
            ws.append([r.day, r.start, r.end, r.seconds / 86400, r.user, r.team, r.project, r.client, r.description,
                       "yes" if r.billable else "no", float(r.rate) if r.rate is not None else None,
                       float(r.amount) if r.amount is not None else None])
        wb.save(out / "report.xlsx")
        return len(rows)
    now = utcnow()
    writer = open_writer(params.format, out, "report", Meta("bench", org.name, "EUR", describe(params), params,
                                                             now, now))
    for row in rows:
        writer.write(row)
    writer.close(grouper.summary("EUR"))
    return len(rows)


if __name__ == "__main__":
    sys.exit(main())
