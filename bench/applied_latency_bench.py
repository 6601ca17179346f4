"""Live-update latency where it matters: from publish to applied in the browser, against publish to written to the
socket, from the same streams on the same gateway.

    .venv/bin/python bench/applied_latency_bench.py                    # 5 pages, 200 broadcasts (~30 s)
    .venv/bin/python bench/applied_latency_bench.py --pages 20 --broadcasts 500

Starts its own redis-server, a SQLite database, one web process and one stream gateway (GATEWAY_LATENCY_SAMPLE=1:
every stream is sampled), opens --pages signed-in Chromium pages on /time-logs, and sends --broadcasts header-timer
broadcasts to their user's topic through the app's one broadcast helper (what a timer start sends), --interval
apart. Then it reads the gateway's own histograms (/metrics): timeboard_gateway_delivery_latency_seconds (publish to
the write to the last socket: the baseline) and timeboard_gateway_applied_latency_seconds (publish to Turbo having
applied it in each page, from the pages' acknowledgements), and prints p50/p95 of each (interpolated in the
histograms' buckets, as Prometheus' histogram_quantile does) and their ratio.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import session_cookie, start_gateway, start_web  # noqa: E402
from devtools.processes import start_redis  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5, help="browser pages open on the topic")
    parser.add_argument("--broadcasts", type=int, default=200, help="streams sent to them")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between two broadcasts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="applied-latency-bench-") as tmp:
        redis_server, port = start_redis(Path(tmp))
        started = []
        try:
            env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                   "REDIS_URL": f"redis://127.0.0.1:{port}/0", "OUTBOX_DIR": f"{tmp}/outbox",
                   "REPORTS_DIR": f"{tmp}/reports", "GATEWAY_LATENCY_SAMPLE": "1", "GATEWAY_SAME_HOST_ANY_PORT": "1",
                   "RATELIMIT_ENABLED": "0", "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1"}
            os.environ.update(env)
            app, user_id = prepare()
            gateway, gateway_port = start_gateway(Path(tmp), env)
            started.append(gateway)
            web, base = start_web(Path(tmp), {**env, "STREAM_URL": f":{gateway_port}/turbo-stream"}, threads=8)
            started.append(web)
            run(app, user_id, base, gateway_port, args)
        finally:
            for server in started:
                server.stop()
            redis_server.stop()
    return 0


def prepare():
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Membership, Organization, Project, Role, User
    from app.passwords import hash_password

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        org = Organization(name="Bench")
        user = User(email="bench@example.test", name="Bench", password_hash=hash_password("password"))
        db.session.add_all([org, user])
        db.session.flush()
        db.session.add_all([Membership(organization_id=org.id, user_id=user.id, role=Role.OWNER),
                            Project(organization_id=org.id, name="Bench project")])
        db.session.commit()
        return app, user.id


def run(app, user_id: int, base: str, gateway_port: int, args) -> None:
    from playwright.sync_api import sync_playwright

    from app.extensions import db
    from app.live.streams import broadcast
    from app.live.topics import UserTopic
    from app.models import User

    with app.app_context():
        name, value = session_cookie(app, db.session.get(User, user_id)).split("=", 1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        pages = []
        for _ in range(args.pages):
            context = browser.new_context()
            context.add_cookies([{"name": name, "value": value, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/time-logs")
            page.wait_for_function("() => document.getElementById('stream-status')?.dataset.state === 'live'",
                                   timeout=20000)
            pages.append(page)
        before = histograms(gateway_port)
        with app.app_context():
            user = db.session.get(User, user_id)
            for _ in range(args.broadcasts):
                broadcast(UserTopic(user_id), "replace", "header-timer", "time_logs/_header_timer.html",
                          timer=None, user=user)
                time.sleep(args.interval)
        expected = args.broadcasts * args.pages
        deadline = time.time() + 30
        while counted(histograms(gateway_port), before, "applied") < expected and time.time() < deadline:
            time.sleep(0.2)
        after = histograms(gateway_port)
        browser.close()
    report(before, after, args)


METRICS = {"written": "timeboard_gateway_delivery_latency_seconds_bucket",
           "applied": 'timeboard_gateway_applied_latency_seconds_bucket{kind="user",'}


def histograms(port: int) -> dict[str, list[tuple[float, float]]]:
    """Each histogram's cumulative buckets: [(upper bound, count)], from the gateway's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    found: dict[str, list[tuple[float, float]]] = {key: [] for key in METRICS}
    for line in lines:
        for key, prefix in METRICS.items():
            if line.startswith(prefix):
                bound = line.split('le="', 1)[1].split('"', 1)[0]
                found[key].append((float("inf") if bound == "+Inf" else float(bound), float(line.rsplit(" ", 1)[1])))
    return {key: sorted(buckets) for key, buckets in found.items()}


def counted(now: dict, before: dict, key: str) -> float:
    return (now[key][-1][1] if now[key] else 0) - (before[key][-1][1] if before[key] else 0)


def quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' histogram_quantile: linear within the bucket the rank falls in."""
    if not buckets or buckets[-1][1] == 0:
        return None
    rank, lower, below = q * buckets[-1][1], 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * ((rank - below) / (count - below) if count > below else 0)
        lower, below = bound, count
    return lower


def report(before: dict, after: dict, args) -> None:
    rows = {}
    for key in METRICS:
        delta = [(bound, count - dict(before[key]).get(bound, 0)) for bound, count in after[key]]
        rows[key] = (quantile(0.5, delta), quantile(0.95, delta), delta[-1][1] if delta else 0)
    print(f"{args.pages} Chromium pages on one gateway, {args.broadcasts} header-timer broadcasts "
          f"{args.interval * 1000:.0f} ms apart, every stream sampled")
    print(f"{'':34} {'p50':>9} {'p95':>9} {'count':>7}")
    labels = {"written": "publish -> written to last socket", "applied": "publish -> applied in the browser"}
    for key, label in labels.items():
        p50, p95, count = rows[key]
        print(f"{label:34} {fmt(p50):>9} {fmt(p95):>9} {count:>7.0f}")
    (w50, w95, _), (a50, a95, _) = rows["written"], rows["applied"]
    if w50 and w95 and a50 and a95:
        print(f"{'applied / written':34} {a50 / w50:>8.2f}x {a95 / w95:>8.2f}x")


def fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    sys.exit(main())
