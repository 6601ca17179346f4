"""Dashboard pages: who may open which (200/403/404), the shell answers from the cache without a
metric query, cached metrics show their age, failures show a Retry, and Redis down is not a 500."""
from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from app.models import JobStatus, utcnow
from tests.conftest import login
from tests.processes import free_port


class FreshClient(FlaskClient):
    """A test client that forgets the user Flask-Login cached in `g`: the tests share one app context,
    so without this a request would be served as whoever signed in last, not as this client's cookie."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def client_for(app, user):
    c = FreshClient(app, app.response_class, use_cookies=True)
    login(c, user)
    return c


def urls(w) -> dict[str, str]:
    return {"user": "/dashboard", "team": f"/dashboard/team/{w.alpha.id}", "org": f"/dashboard/org/{w.org.id}",
            "system": "/dashboard/system"}


EXPECTED = {  # role -> status for the user, Alpha team, Acme organization and system dashboards
    "owner": {"user": 200, "team": 200, "org": 200, "system": 403},
    "admin": {"user": 200, "team": 200, "org": 200, "system": 403},
    "manager": {"user": 200, "team": 200, "org": 403, "system": 403},  # manages Alpha
    "member": {"user": 200, "team": 403, "org": 403, "system": 403},  # in Alpha, manages nothing
    "beta_member": {"user": 200, "team": 404, "org": 403, "system": 403},  # may not even see Alpha
    "outsider": {"user": 200, "team": 404, "org": 404, "system": 403},  # another organization
    "sysadmin": {"user": 200, "team": 200, "org": 200, "system": 200},
}


@pytest.mark.parametrize("role", EXPECTED)
def test_each_dashboard_answers_each_role_as_the_policy_says(app, factory, role):
    w = factory.world()
    c = client_for(app, getattr(w, role))
    got = {kind: c.get(url).status_code for kind, url in urls(w).items()}
    assert got == EXPECTED[role]


def test_anonymous_visitors_are_sent_to_sign_in_and_bad_ids_are_404(app, client, factory):
    w = factory.world()
    for url in urls(w).values():
        assert client.get(url).status_code == 302
    c = client_for(app, w.owner)
    assert c.get("/dashboard/team/abc").status_code == 404
    assert c.get("/dashboard/org/999999").status_code == 404


def _statements_during(db, fn) -> list[str]:
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(" ".join(statement.lower().split()))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def test_the_shell_answers_at_once_without_a_metric_query(app, db, factory):
    """Only sign-in, policy, navigation, header (timer, Start menu) and job-queue statements run in the request."""
    w = factory.world()
    c = client_for(app, w.owner)
    url = f"/dashboard/org/{w.org.id}"
    responses = []
    statements = _statements_during(db, lambda: responses.append(c.get(url)))
    html = responses[0].get_data(as_text=True)
    assert responses[0].status_code == 200
    assert 'data-testid="dashboard-loading"' in html and 'role="progressbar"' in html
    assert 'data-testid="dashboard-metrics"' not in html
    from app.dashboards.registry import sections
    assert html.count('data-state="loading"') == len(sections("org"))  # every section is a skeleton
    for sql in statements:
        assert not re.search(r"\b(sum|count)\(|group by", sql), sql
        if "time_logs" in sql:  # the header looks up the viewer's own timer and, for its Start menu, their
            # last few entries (a bounded scan), nothing else and nobody else's
            assert "time_logs.user_id" in sql, sql
            assert ("end_time is null" in sql or "time_logs.paused is" in sql
                    or ("end_time is not null" in sql and " limit " in sql)), sql
    for i in range(50):
        factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(hours=i + 5), minutes=30)
    db.session.expire_all()
    again = _statements_during(db, lambda: c.get(url))
    # the second visit reuses the pending job: it writes nothing and still runs no metric query
    assert not [sql for sql in again if sql.startswith(("insert", "update", "delete"))], again
    assert not [sql for sql in again if re.search(r"\b(sum|count)\(|group by", sql)], again
    assert db.session.scalar(select(func.count()).select_from(JobStatus)) == 1


def test_opening_a_dashboard_enqueues_one_coalesced_job_for_its_key(app, db, factory):
    w = factory.world()
    key = f"dashboard:org:{w.org.id}"
    for user in (w.owner, w.admin):
        assert client_for(app, user).get(f"/dashboard/org/{w.org.id}").status_code == 200
    jobs = db.session.scalars(select(JobStatus).where(JobStatus.coalesce_key == key)).all()
    assert [(j.kind, j.status) for j in jobs] == [("dashboard_data", "pending")]


def test_cached_metrics_render_at_once_with_their_age(app, db, factory):
    from app.dashboards import cache, registry
    from app.live.topics import DashboardKey

    w = factory.world()
    key = f"dashboard:org:{w.org.id}"
    ctx = registry.context(DashboardKey.parse(key))
    for section in registry.sections("org"):
        cache.store(key, section.name, section.compute(ctx), computed_at=utcnow() - timedelta(minutes=2))
    html = client_for(app, w.owner).get(f"/dashboard/org/{w.org.id}").get_data(as_text=True)
    assert 'data-testid="dashboard-metrics"' in html
    assert 'data-testid="dashboard-loading"' not in html
    assert html.count("updated 2 min ago") == len(registry.sections("org"))
    assert "Hours by team this week" in html and "<svg" in html
    # stale-while-revalidate: the job is queued all the same
    assert db.session.scalar(select(JobStatus).where(JobStatus.coalesce_key == key)) is not None


def test_a_job_fills_every_section_and_the_page_then_shows_them(app, db, factory, run_jobs):
    w = factory.world()
    ids = {"org": w.org.id, "owner": w.owner.email}
    client_for(app, w.owner).get(f"/dashboard/org/{ids['org']}")
    run_jobs()
    status = db.session.scalar(select(JobStatus).where(JobStatus.coalesce_key == f"dashboard:org:{ids['org']}"))
    assert (status.status, status.progress) == ("completed", 100)
    from app.models import User

    owner = db.session.scalar(select(User).where(User.email == ids["owner"]))
    html = client_for(app, owner).get(f"/dashboard/org/{ids['org']}").get_data(as_text=True)
    assert 'data-testid="dashboard-metrics"' in html and 'data-state="loading"' not in html
    assert "updated just now" in html


def test_dashboard_navigation_lists_the_dashboards_each_user_may_open(app, factory):
    w = factory.world()

    def nav(user) -> list[str]:
        html = client_for(app, user).get("/dashboard").get_data(as_text=True)
        block = html.split('aria-label="Dashboards"')[1].split("</nav>")[0]
        return re.findall(r'href="([^"]+)"', block)

    assert nav(w.owner) == ["/dashboard", f"/dashboard/team/{w.alpha.id}", f"/dashboard/team/{w.beta.id}",
                            f"/dashboard/org/{w.org.id}"]
    assert nav(w.manager) == ["/dashboard", f"/dashboard/team/{w.alpha.id}"]
    assert nav(w.member) == ["/dashboard"]
    assert nav(w.sysadmin)[-1] == "/dashboard/system"


def test_catch_up_streams_the_cached_sections_to_allowed_users_only(app, factory, run_jobs):
    w = factory.world()
    key = f"dashboard:team:{w.alpha.id}"
    manager, member = client_for(app, w.manager), client_for(app, w.member)
    manager.get(f"/dashboard/team/{w.alpha.id}")
    run_jobs()
    response = manager.get("/dashboard/sections", query_string={"key": key})
    assert response.mimetype == "text/vnd.turbo-stream.html"
    body = response.get_data(as_text=True)
    assert body.count('<turbo-stream action="replace"') == 5  # four sections and the progress bar
    assert 'data-testid="dashboard-metrics"' in body
    assert member.get("/dashboard/sections", query_string={"key": key}).status_code == 404
    assert manager.get("/dashboard/sections", query_string={"key": "dashboard:nope"}).status_code == 404


def test_a_failing_job_streams_an_error_with_retry_and_retry_enqueues_again(app, db, factory, run_jobs,
                                                                             redis_conn, monkeypatch):
    from app.dashboards import registry
    from app.dashboards.registry import Section
    from app.live.publisher import CHANNEL

    def broken(ctx):
        raise RuntimeError("database went away")

    broken_summary = Section("org_summary", "At a glance", broken, "dashboard/_org_summary.html", primary=True)
    monkeypatch.setitem(registry.SECTIONS, "org", [broken_summary])
    w = factory.world()
    org_id = w.org.id
    key = f"dashboard:org:{org_id}"
    owner = client_for(app, w.owner)
    owner.get(f"/dashboard/org/{org_id}")
    pubsub = redis_conn.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL)
    run_jobs()
    streams, deadline = [], time.time() + 2
    while time.time() < deadline:  # get_message() answers None for the (ignored) subscribe confirmation too
        message = pubsub.get_message(timeout=0.2)
        if message is not None:
            streams.append(json.loads(message["data"]))
    errors = [s for s in streams if 'data-testid="dashboard-error"' in s["stream"]]
    assert errors and errors[0]["topics"] == [key]
    assert 'data-testid="dashboard-retry"' in errors[0]["stream"]
    status = db.session.scalar(select(JobStatus).where(JobStatus.coalesce_key == key).order_by(JobStatus.id))
    assert status.error_message == "database went away"

    page = owner.get(f"/dashboard/org/{org_id}").get_data(as_text=True)  # opened after the failure
    assert 'data-testid="dashboard-error"' in page and 'data-testid="dashboard-retry"' in page
    db.session.execute(JobStatus.__table__.delete())  # forget the pending retry, to see Retry enqueue anew
    db.session.commit()
    redis_conn.flushdb()
    response = owner.post("/dashboard/refresh", data={"key": key})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/dashboard/org/{org_id}")
    assert db.session.scalar(select(JobStatus.status).where(JobStatus.coalesce_key == key)) == "pending"


def test_retry_refuses_a_dashboard_the_user_may_not_see(app, factory):
    w = factory.world()
    response = client_for(app, w.member).post("/dashboard/refresh", data={"key": f"dashboard:org:{w.org.id}"})
    assert response.status_code == 404


def test_with_redis_down_the_page_answers_200_with_a_notice_and_computed_metrics(factory):
    """REDIS_URL points at a closed port: no cache, no queue; the page computes once and says so."""
    from app import create_app

    down = create_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "WTF_CSRF_ENABLED": False})
    w = factory.world()
    c = FreshClient(down, down.response_class, use_cookies=True)
    login(c, w.owner)
    response = c.get(f"/dashboard/org/{w.org.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="dashboard-notice"' in html
    assert 'data-testid="dashboard-metrics"' in html and 'data-state="loading"' not in html
    assert c.get("/dashboard").status_code == 200
    assert c.get("/dashboard/sections", query_string={"key": f"dashboard:org:{w.org.id}"}).status_code == 200
    assert c.post("/dashboard/refresh", data={"key": f"dashboard:org:{w.org.id}"}).status_code == 303


def test_a_fresh_cache_answers_without_a_database_write_or_a_job(app, db, factory, redis_conn):
    """Every section cached a moment ago and nothing stale: the view writes nothing and enqueues nothing;
    once the cache is older than DASHBOARD_FRESH_SECONDS (or stale), the view asks for a recompute again."""
    from app.dashboards import cache, registry
    from app.live.publisher import CHANNEL
    from app.live.topics import DashboardKey

    w = factory.world()
    key = DashboardKey("org", w.org.id)
    ctx = registry.context(key)
    for section in registry.sections("org"):
        cache.store(key, section.name, section.compute(ctx))
    c = client_for(app, w.owner)
    pubsub = redis_conn.pubsub()
    pubsub.subscribe(CHANNEL)
    pubsub.get_message(timeout=1)  # the subscription's confirmation
    statements = _statements_during(db, lambda: c.get(f"/dashboard/org/{w.org.id}"))
    assert not [s for s in statements if s.startswith(("insert", "update", "delete"))], statements
    assert db.session.scalar(select(JobStatus).where(JobStatus.coalesce_key == str(key))) is None
    assert pubsub.get_message(timeout=0.3) is None  # and nothing was broadcast
    pubsub.close()

    for section in registry.sections("org"):  # the same figures, computed two minutes ago
        cache.store(key, section.name, section.compute(ctx), computed_at=utcnow() - timedelta(minutes=2))
    assert c.get(f"/dashboard/org/{w.org.id}").status_code == 200
    assert db.session.scalar(select(JobStatus).where(JobStatus.coalesce_key == str(key))) is not None
