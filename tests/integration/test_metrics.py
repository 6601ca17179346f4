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
