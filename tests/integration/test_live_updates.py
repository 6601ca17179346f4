"""Live updates: a data change marks the dashboards it touches dirty, as throttled, coalesced jobs: the first
change runs at once, the rest of its window share one trailing run, a change during a run gets one more."""
from __future__ import annotations

from datetime import timedelta

from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from app.background.catalog import DASHBOARD_KINDS
from app.dashboards import invalidation
from app.models import JobStatus, TimeLog, utcnow
from tests.processes import free_port


def pending_keys(db) -> list[str]:
    return sorted(db.session.scalars(
        select(JobStatus.coalesce_key).where(JobStatus.kind.in_(DASHBOARD_KINDS), JobStatus.status == "pending")))


def every_dashboard(w) -> list[str]:
    """Every dashboard key of the factory's world (for watch(): pages have them all open)."""
    users = [w.owner, w.admin, w.manager, w.member, w.beta_member, w.outsider]
    return ([f"dashboard:user:{u.id}" for u in users] + [f"dashboard:team:{w.alpha.id}", f"dashboard:team:{w.beta.id}",
            f"dashboard:org:{w.org.id}", f"dashboard:org:{w.other_org.id}", "dashboard:system"])


def scheduled_ids() -> list[str]:
    from app.background.enqueue import get_queue

    return ScheduledJobRegistry(queue=get_queue("dashboard")).get_job_ids()


def runs(db, key: str) -> dict[str, int]:
    """How many dashboard_data jobs the dashboard `key` has, by status."""
    return dict(db.session.execute(
        select(JobStatus.status, func.count()).where(JobStatus.kind.in_(DASHBOARD_KINDS), JobStatus.coalesce_key == key)
        .group_by(JobStatus.status)).all())


def release_scheduled() -> None:
    """Move every scheduled job to its queue now, as RQ's scheduler does at the trailing run's due time."""
    from app.background.reconcile import release_overdue_scheduled

    release_overdue_scheduled(overdue=-3600)


def test_starting_a_timer_queues_the_dashboards_it_touches_at_once(app, db, factory, redis_conn, watch):
    from app.time_tracking.timers import start_timer

    w = factory.world()
    watch(*every_dashboard(w))
    start_timer(w.member, w.alpha_project)
    assert pending_keys(db) == sorted([f"dashboard:user:{w.member.id}", f"dashboard:team:{w.alpha.id}",
                                       f"dashboard:org:{w.org.id}", "dashboard:system"])
    assert scheduled_ids() == []  # leading edge: queued for a worker now, not waiting for a window
    for status in db.session.scalars(select(JobStatus).where(JobStatus.kind.in_(DASHBOARD_KINDS))):
        assert Job.fetch(status.rq_job_id, connection=redis_conn).get_status() == "queued"


def test_one_change_gets_one_immediate_run(app, db, factory, redis_conn, run_jobs, watch):
    from app.live.topics import DashboardKey

    w = factory.world()
    key = f"dashboard:org:{w.org.id}"
    watch(key)
    assert invalidation.mark_dirty([DashboardKey.parse(key)]) == 1
    (status,) = db.session.scalars(select(JobStatus).where(JobStatus.coalesce_key == key))
    assert Job.fetch(status.rq_job_id, connection=redis_conn).get_status() == "queued"
    assert scheduled_ids() == []
    run_jobs()
    release_scheduled()  # were a trailing run waiting, it would run now
    run_jobs()
    db.session.expire_all()
    assert runs(db, key) == {"completed": 1}


def test_changes_during_a_run_get_exactly_one_more(app, db, factory, run_jobs, watch, monkeypatch):
    """Three changes while the dashboard's job is computing (inside the run, so no timing is involved)
    give one more run. The window is long, so that the changes always fall inside it however slow the run is
    on a loaded machine (with the tests' 0.5 s a slow run closed it, the extra run became a leading one and
    the same burst ran it): one trailing run, released here instead of waited for."""
    from app.dashboards import recompute
    from app.live.topics import DashboardKey

    w = factory.world()
    key = f"dashboard:org:{w.org.id}"
    watch(key)
    monkeypatch.setitem(app.config, "DASHBOARD_THROTTLE_SECONDS", 60)
    changes: list[int] = []
    report_progress = recompute.report_progress

    def change_while_running(done: int) -> None:
        if not changes:
            changes.extend(invalidation.mark_dirty([DashboardKey.parse(key)]) for _ in range(3))
        report_progress(done)

    invalidation.mark_dirty([DashboardKey.parse(key)])
    monkeypatch.setattr(recompute, "report_progress", change_while_running)
    run_jobs()
    assert changes == [1, 1, 1]
    db.session.expire_all()
    assert runs(db, key) == {"completed": 1, "pending": 1}
    monkeypatch.setattr(recompute, "report_progress", report_progress)
    release_scheduled()
    run_jobs()
    db.session.expire_all()
    assert runs(db, key) == {"completed": 2}


def test_the_former_debounce_setting_still_sets_the_throttle(monkeypatch, tmp_path):
    from app.config import load_config

    monkeypatch.delenv("DASHBOARD_THROTTLE_SECONDS", raising=False)
    monkeypatch.setenv("DASHBOARD_DEBOUNCE_SECONDS", "3")
    assert load_config(str(tmp_path))["DASHBOARD_THROTTLE_SECONDS"] == 3.0
    monkeypatch.setenv("DASHBOARD_THROTTLE_SECONDS", "2")
    assert load_config(str(tmp_path))["DASHBOARD_THROTTLE_SECONDS"] == 2.0


def test_repeated_changes_share_one_pending_job_per_dashboard(app, db, factory, watch):
    w = factory.world()
    watch(*every_dashboard(w))
    for _ in range(5):
        invalidation.mark_dirty_for_logs([w.member_log, w.beta_log])
    keys = pending_keys(db)
    assert keys == sorted(set(keys))
    assert set(keys) == {f"dashboard:user:{w.member.id}", f"dashboard:user:{w.beta_member.id}",
                         f"dashboard:team:{w.alpha.id}", f"dashboard:team:{w.beta.id}",
                         f"dashboard:org:{w.org.id}", "dashboard:system"}


def test_a_change_in_another_organization_touches_only_its_dashboards(app, db, factory, watch):
    w = factory.world()
    watch(*every_dashboard(w))
    invalidation.mark_dirty_for_logs([w.other_log])
    assert pending_keys(db) == sorted([f"dashboard:user:{w.outsider.id}", f"dashboard:org:{w.other_org.id}",
                                       "dashboard:system"])


def test_a_bulk_change_touches_every_dashboard_of_the_organization(app, db, factory, watch):
    from app.time_tracking import changes

    w = factory.world()
    watch(*every_dashboard(w))
    changes.after_commit(organization_ids=[w.org.id])
    members = [w.owner, w.admin, w.manager, w.member, w.beta_member]
    assert pending_keys(db) == sorted([f"dashboard:user:{u.id}" for u in members]
                                      + [f"dashboard:team:{w.alpha.id}", f"dashboard:team:{w.beta.id}",
                                         f"dashboard:org:{w.org.id}", "dashboard:system"])


def test_cache_warming_refreshes_dashboards_active_in_the_last_hour(app, db, factory, run_jobs, redis_conn, watch):
    from app.background.enqueue import enqueue
    from app.live.topics import DashboardKey

    w = factory.world()
    watch(*every_dashboard(w))
    factory.time_log(w.manager, w.alpha_project, minutes=None)  # running: active
    db.session.execute(JobStatus.__table__.delete())
    # the Beta member's and the outsider's logs last changed two hours ago: not active
    db.session.execute(TimeLog.__table__.update().where(TimeLog.user_id.in_([w.beta_member.id, w.outsider.id]))
                       .values(updated_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    ids = {"manager": w.manager.id, "member": w.member.id, "alpha": w.alpha.id, "org": w.org.id,
           }
    enqueue("cache_warming")
    run_jobs()
    expected = {f"dashboard:user:{ids['manager']}", f"dashboard:user:{ids['member']}",
                f"dashboard:team:{ids['alpha']}", f"dashboard:org:{ids['org']}", "dashboard:system"}
    done = set(db.session.scalars(select(JobStatus.coalesce_key).where(JobStatus.kind.in_(DASHBOARD_KINDS),
                                                                       JobStatus.status == "completed")))
    assert done == expected
    for key in expected:  # each one's summary is in the cache now
        section = {"user": "user_summary", "team": "team_summary", "org": "org_summary",
                   "system": "system_summary"}[DashboardKey.parse(key).kind]
        assert redis_conn.exists(f"timeboard:dashboard-cache:{key}:{section}")


def test_a_change_while_redis_is_down_is_saved_without_a_live_update(factory):
    from app import create_app

    w = factory.world()
    down = create_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    with down.app_context():
        assert invalidation.mark_dirty(invalidation.keys_for_logs([w.member_log])) == 0
