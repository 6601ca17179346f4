"""/metrics: Prometheus text with real figures, and only for those allowed to scrape it."""
from tests.conftest import login


def test_metrics_report_running_timers_and_job_counts(app, client, factory):
    from app.background.enqueue import enqueue

    w = factory.world()
    factory.time_log(w.member, w.alpha_project, minutes=None)  # a running timer
    enqueue("echo", "hi")
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "timeboard_running_timers 1.0" in text
    assert 'timeboard_jobs{kind="echo",status="pending"} 1.0' in text
    assert 'timeboard_queue_depth{queue="default"} 1.0' in text


def test_metrics_refuse_remote_anonymous_and_members(client, factory):
    w = factory.world()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    login(client, w.member)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403


def test_metrics_token_when_configured(app, client, factory):
    app.config["METRICS_TOKEN"] = "s3cret"
    try:
        remote = {"REMOTE_ADDR": "10.1.2.3"}
        assert client.get("/metrics", environ_base=remote).status_code == 403
        ok = client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = ""


def test_metrics_count_the_watched_stream_topics_by_kind(app, client, watch):
    watch("dashboard:org:1", "dashboard:org:2", "dashboard:system", "jobs:all", "jobs:user:7", "user:7")
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    for kind, count in [("dashboard:org", 2), ("dashboard:system", 1), ("jobs:all", 1), ("jobs:user", 1),
                        ("user", 1)]:
        assert f'timeboard_watched_topics{{kind="{kind}"}} {count}.0' in text


def test_metrics_report_paused_queues_workers_and_dashboard_freshness(app, client, redis_conn):
    from app.background import pause
    from app.dashboards import cache, section_stats
    from app.live.topics import DashboardKey

    pause.pause("reports")
    cache.store(DashboardKey("org", 5), "org_summary", {"hours": 1})
    pipe = redis_conn.pipeline()
    section_stats.record("org", {"org_summary": 40.0}, pipe)
    pipe.execute()
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert 'timeboard_queue_paused{queue="reports"} 1.0' in text
    assert 'timeboard_queue_paused{queue="default"} 0.0' in text
    assert 'timeboard_dashboard_cached_sections{dashboard="org",section="org_summary"} 1.0' in text
    assert 'timeboard_dashboard_fresh_sections{dashboard="org",section="org_summary"} 1.0' in text
    assert 'timeboard_dashboard_section_compute_p95_seconds{dashboard="org",section="org_summary"} 0.04' in text
    assert "# TYPE timeboard_http_requests_total counter" in text  # this process's own counters too
