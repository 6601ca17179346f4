"""Every trigger notifies exactly once per its deduplication key, the right people, by their preferences:
long timers, budget thresholds, operator alerts, the weekly summary (across a DST change)."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.models import Channel, JobState, JobStatus, Notification, utcnow
from app.notifications import preferences
from tests.mailbox import body, empty_outbox, outbox


def notified(db, kind: str) -> list[tuple[int, str]]:
    return [(n.user_id, n.dedup_key) for n in db.session.scalars(
        select(Notification).where(Notification.kind == kind).order_by(Notification.user_id, Notification.id))]


# -- long timers ----------------------------------------------------------------------------------
def test_a_timer_running_over_10_hours_notifies_its_user_once(db, factory):
    from app.notifications.long_timers import check
    w = factory.world()
    now = utcnow()
    long_one = factory.time_log(w.member, w.alpha_project, start=now - timedelta(hours=10, minutes=5), minutes=None)
    factory.time_log(w.manager, w.alpha_project, start=now - timedelta(hours=9, minutes=40), minutes=None)
    factory.time_log(w.owner, w.org_project, start=now - timedelta(hours=30), minutes=60)  # finished: not a timer
    assert check(now) == "1 long-running timer(s) notified"
    assert check(now + timedelta(minutes=10)) == "0 long-running timer(s) notified"  # once per timer
    assert notified(db, "long_timer") == [(w.member.id, f"long_timer:{long_one.id}")]
    assert check(now + timedelta(minutes=20)).startswith("1 ")  # the manager's reached 10 hours by now
    preferences.set_channel(w.beta_member, "long_timer", Channel.OFF)
    factory.time_log(w.beta_member, w.beta_project, start=now - timedelta(hours=12), minutes=None)
    assert check(now + timedelta(minutes=30)).startswith("0 ")  # turned off


# -- budgets --------------------------------------------------------------------------------------
def test_budget_thresholds_reach_owners_admins_and_the_team_managers_once_each_with_a_forecast(db, factory, app):
    from app.notifications.budgets import check
    w = factory.world()
    project = w.alpha_project
    project.budget_hours = Decimal("20")
    db.session.commit()
    now = utcnow()
    # 15 h over the last four weeks (w.member_log is 1 h): 16 h of 20 = 80%
    for days in (3, 10, 17):
        factory.time_log(w.member, project, start=now - timedelta(days=days), minutes=300)
    assert check(project.id, now).startswith("80% used: 3 notified of 80%")
    recipients = {user_id for user_id, _ in notified(db, "budget")}
    assert recipients == {w.owner.id, w.admin.id, w.manager.id}  # not the members, not the other organization
    note = db.session.scalar(select(Notification).where(Notification.user_id == w.owner.id))
    assert note.title == "Alpha site has reached 80% of its budget"
    # 16 h used, 4 h left, at 16/4 = 4 h a week: 7 days from now
    expected = (now + timedelta(days=7)).date()
    assert "16.0 h of its 20 h budget are used (80%)" in note.body and f"{expected:%d %B %Y}" in note.body
    assert check(project.id, now).endswith("0 notified of 80%")  # once per threshold
    factory.time_log(w.member, project, start=now - timedelta(days=1), minutes=240)
    assert check(project.id, now).startswith("100% used: 3 notified of 100%")
    assert check(project.id, now).endswith("0 notified of 100%")
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 6


def test_adding_an_entry_queues_a_coalesced_budget_check_that_notifies(db, factory, run_jobs):
    from app.time_tracking.entries import EntryData, create_entry
    w = factory.world()
    w.org_project.budget_hours = Decimal("2")
    db.session.commit()
    start = utcnow() - timedelta(hours=5)
    for _ in range(2):
        create_entry(w.owner, EntryData(w.org_project, start, start + timedelta(minutes=50), "work", True))
        start += timedelta(hours=1)
    checks = db.session.scalars(select(JobStatus).where(JobStatus.kind == "budget_check")).all()
    assert len(checks) == 1 and checks[0].coalesce_key == f"budget:{w.org_project.id}"  # the second one coalesced
    owner_id, admin_id = w.owner.id, w.admin.id
    run_jobs(["notifications"])
    assert {u for u, _ in notified(db, "budget")} == {owner_id, admin_id}  # org project: no team managers


# -- operator alerts ------------------------------------------------------------------------------
def _failed(db, kind: str, when: datetime, n: int = 1) -> None:
    for i in range(n):
        db.session.add(JobStatus(rq_job_id=f"{kind}-{when:%H%M%S}-{i}", kind=kind, queue="default",
                                 status=JobState.FAILED, enqueued_at=when, finished_at=when, attempts=3,
                                 max_attempts=3, error_message="boom"))
    db.session.commit()


def test_a_kind_that_keeps_failing_alerts_system_admins_once_an_hour_counting_the_held_back(db, factory, app):
    from app.notifications.operator_alerts import failed_jobs
    w = factory.world()
    second_admin = factory.user(is_system_admin=True)
    now = utcnow()
    _failed(db, "fail", now - timedelta(minutes=1), n=50)
    assert failed_jobs(now) == 2  # one alert, to each system admin
    alerts = db.session.scalars(select(Notification).where(Notification.kind == "operator_alert")).all()
    assert {a.user_id for a in alerts} == {w.sysadmin.id, second_admin.id}
    assert "50 'Diagnostic failure' job(s) failed" in alerts[0].body and "49 of them held back" in alerts[0].body
    for minutes in range(1, 60, 5):  # it keeps failing: no alert within the hour
        _failed(db, "fail", now + timedelta(minutes=minutes), n=1)
        assert failed_jobs(now + timedelta(minutes=minutes, seconds=30)) == 0
    later = now + timedelta(minutes=61)
    assert failed_jobs(later) == 2
    latest = db.session.scalars(select(Notification).where(Notification.user_id == w.sysadmin.id)
                                .order_by(Notification.id.desc())).first()
    assert "12 'Diagnostic failure' job(s) failed" in latest.body  # every failure since the last alert
    assert failed_jobs(later + timedelta(minutes=1)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == w.member.id)) == 0


def test_queue_backlog_missing_worker_and_late_recurring_entry_alert(db, factory, app, redis_conn):
    from app.background.enqueue import enqueue
    from app.background.recurring import make_scheduler, register
    from app.notifications.operator_alerts import late_recurring, missing_workers, queue_backlogs
    w = factory.world()
    enqueue("echo", "waiting")
    now = utcnow()
    assert queue_backlogs(now) == 0
    assert queue_backlogs(now + timedelta(seconds=301)) == 1  # the default queue's oldest job waited over 300 s
    queue_backlogs(now + timedelta(seconds=400))  # (the alert's own delivery jobs wait on notifications by now)
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.title == "Queue default is backed up")) == 1  # once an hour
    assert missing_workers(now) == 0  # first seen without a worker
    assert missing_workers(now + timedelta(seconds=61)) == 1  # no worker serves them: one alert for them all
    assert missing_workers(now + timedelta(seconds=121)) == 0  # once an hour
    (title,) = db.session.scalars(select(Notification.title).where(Notification.title.startswith("No worker")))
    assert title.startswith("No worker serves the dashboard, dashboard_system, default, mail, maintenance")
    register(make_scheduler(redis_conn))  # planned now; nobody runs them
    assert late_recurring(now + timedelta(seconds=60)) == 0
    assert late_recurring(now + timedelta(seconds=400)) >= 1
    assert "Recurring job performance_snapshot did not run on time" in set(db.session.scalars(
        select(Notification.title).where(Notification.user_id == w.sysadmin.id)))


# -- weekly summary -------------------------------------------------------------------------------
def test_weekly_summary_goes_monday_8_local_once_with_the_right_week_across_a_dst_change(db, factory, app):
    from app.notifications.weekly_summary import send_due
    empty_outbox(app.config["OUTBOX_DIR"])
    w = factory.world()
    berlin = factory.user(w.org, teams=[w.alpha], time_zone="Europe/Berlin", email="berlin@acme.test")
    factory.user(w.org, time_zone="America/New_York")
    # Europe/Berlin leaves summer time on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET).
    # Last week is Mon 19 Oct 00:00 CEST (18 Oct 22:00 UTC) to Mon 26 Oct 00:00 CET (25 Oct 23:00 UTC).
    factory.time_log(berlin, w.alpha_project, start=datetime(2026, 10, 18, 22, 30), minutes=120)  # Mon 00:30 local
    factory.time_log(berlin, w.alpha_project, start=datetime(2026, 10, 25, 22, 30), minutes=60)  # Sun 23:30 CET
    factory.time_log(berlin, w.org_project, start=datetime(2026, 10, 21, 8, 0), minutes=90)
    factory.time_log(berlin, w.alpha_project, start=datetime(2026, 10, 18, 21, 30), minutes=30)  # Sun 23:30: before
    factory.time_log(berlin, w.alpha_project, start=datetime(2026, 10, 25, 23, 0), minutes=45)  # Mon 00:00 CET: after
    assert send_due(datetime(2026, 10, 26, 6, 0)) == 0  # 07:00 in Berlin now (it was 08:00 on summer time)
    assert send_due(datetime(2026, 10, 26, 7, 5)) == 1  # 08:05 in Berlin; 03:05 in New York: not them
    assert send_due(datetime(2026, 10, 26, 7, 20)) == 0  # never twice for the same week
    (summary,) = db.session.scalars(select(Notification).where(Notification.kind == "weekly_summary"))
    assert summary.user_id == berlin.id and summary.dedup_key == "weekly_summary:2026-10-19"
    data = summary.data
    assert data["total"] == 4.5 and data["previous_total"] == 0.5 and data["change"] == 4.0
    assert [(r["project"], r["hours"], r["bar"]) for r in data["rows"]] == [("Alpha site", 3.0, 100),
                                                                           ("Internal", 1.5, 50)]
    # Monday 2 November: 08:00 CET is 07:00 UTC again; the week before is the one just counted
    assert send_due(datetime(2026, 11, 2, 7, 0)) == 1
    latest = db.session.scalars(select(Notification).where(Notification.kind == "weekly_summary")
                                .order_by(Notification.id.desc())).first()
    assert latest.dedup_key == "weekly_summary:2026-10-26" and latest.data["previous_total"] == 4.5
    assert latest.data["total"] == 0.75


def test_weekly_summary_email_shows_hours_change_and_a_bar_chart(db, factory, app, run_jobs):
    from app.notifications.weekly_summary import send_due
    empty_outbox(app.config["OUTBOX_DIR"])
    w = factory.world()
    user = factory.user(w.org, teams=[w.alpha], time_zone="UTC", email="utc@acme.test")
    factory.time_log(user, w.alpha_project, start=datetime(2026, 11, 17, 9, 0), minutes=360)
    factory.time_log(user, w.alpha_project, start=datetime(2026, 11, 10, 9, 0), minutes=240)
    other = factory.user(w.org, time_zone="UTC")
    other_email = other.email
    preferences.set_channel(other, "weekly_summary", Channel.OFF)
    assert send_due(datetime(2026, 11, 23, 8, 0)) >= 1
    run_jobs(["notifications"])
    mine = [m for m in outbox(app.config["OUTBOX_DIR"]) if m["To"] == "utc@acme.test"]
    (message,) = mine
    assert message["Subject"] == "Your week of 16 Nov: 6.0 h"
    assert "+2.0 h on the week before (4.0 h)" in body(message) and "Alpha site" in body(message)
    html = message.get_body(("html",)).get_content()
    assert 'data-chart="weekly"' in html and "width: 100%" in html
    assert not [m for m in outbox(app.config["OUTBOX_DIR"]) if m["To"] == other_email]
    empty_outbox(app.config["OUTBOX_DIR"])


def test_a_job_kind_failing_for_real_again_and_again_gives_admins_one_alert_not_fifty(db, factory, app, run_jobs):
    """Real jobs on a real RQ worker: twenty `fail` jobs each exhaust their retries; the recurring check runs after
    every round and one alert reaches each system admin, naming all twenty."""
    from app.background.enqueue import enqueue
    from tests.integration.notify_helpers import release_scheduled

    admin = factory.user(is_system_admin=True)
    admin_id = admin.id
    for n in range(20):
        enqueue("fail", f"boom {n}")
    for _ in range(3):  # the first attempt, then the two retries of the kind's policy
        run_jobs(["default"])
        release_scheduled()
        enqueue("operator_alerts", key="recurring:operator_alerts")  # as the scheduler does
        run_jobs(["notifications"])
    assert db.session.scalar(select(func.count()).select_from(JobStatus).where(
        JobStatus.kind == "fail", JobStatus.status == JobState.FAILED)) == 20
    alerts = db.session.scalars(select(Notification).where(Notification.kind == "operator_alert",
                                                           Notification.user_id == admin_id)).all()
    assert [a.title for a in alerts] == ["Jobs failing: Diagnostic failure"]
    assert "20 'Diagnostic failure' job(s) failed" in alerts[0].body
    planned = db.session.scalars(select(JobStatus).where(JobStatus.kind == "operator_alerts",
                                                         JobStatus.status == JobState.PENDING)).all()
    assert [p.coalesce_key for p in planned] == ["operator_alerts:watchdog"]  # one watchdog planned, coalesced


def test_the_weekly_summary_cli_sends_one_now_and_refuses_twice(app, db, factory):
    user = factory.user(email="weekly@example.com")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "weekly-summary", "Weekly@Example.com"])
    assert result.exit_code == 0 and "Weekly summary for weekly@example.com" in result.output
    again = runner.invoke(args=["notifications", "weekly-summary", "weekly@example.com"])
    assert again.exit_code == 1 and "already sent" in again.output
    nobody = runner.invoke(args=["notifications", "weekly-summary", "nobody@example.com"])
    assert nobody.exit_code == 1 and "no user" in nobody.output
    assert runner.invoke(args=["notifications", "weekly-summary", "not an address"]).exit_code == 2
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id)) == 1


def test_the_watchdog_checks_only_when_the_recurring_entry_has_stopped(db, factory, app):
    from app.notifications import operator_alerts
    now = utcnow()
    db.session.add(JobStatus(rq_job_id="recurring-run", kind="operator_alerts", queue="notifications",
                             coalesce_key="recurring:operator_alerts", status=JobState.COMPLETED,
                             enqueued_at=now, finished_at=now))
    db.session.commit()
    assert operator_alerts.run(watchdog=True, now=now + timedelta(seconds=30)).startswith("the recurring entry runs")
    assert operator_alerts.run(watchdog=True, now=now + timedelta(seconds=200)).endswith("alert(s) sent")
    assert operator_alerts.run(watchdog=False, now=now + timedelta(seconds=30)).endswith("alert(s) sent")


def test_every_notification_job_kind_runs_on_a_real_worker_and_the_recurring_table_has_its_entries(
        db, factory, run_jobs):
    from app.background.enqueue import enqueue
    from app.background.recurring import ENTRIES
    w = factory.world()
    w.org_project.budget_hours = Decimal("100")
    db.session.commit()
    factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(hours=11), minutes=None)
    for kind, args in [("long_timer_check", ()), ("notification_digests", ()), ("operator_alerts", ()),
                       ("budget_check", (w.org_project.id,))]:
        enqueue(kind, *args)
    run_jobs(["notifications"])
    statuses = {j.kind: (j.status, j.result_summary) for j in db.session.scalars(
        select(JobStatus).where((JobStatus.coalesce_key != "operator_alerts:watchdog")
                                | JobStatus.coalesce_key.is_(None)))}
    assert statuses["long_timer_check"] == ("completed", "1 long-running timer(s) notified")
    assert statuses["budget_check"][0] == "completed" and statuses["budget_check"][1].endswith("% used")
    assert statuses["notification_digests"][0] == "completed" and statuses["operator_alerts"][0] == "completed"
    assert statuses["notification_in_app"][0] == "completed"  # the long timer's delivery, on the same queue
    assert {"long_timer_check", "notification_digests", "operator_alerts"} <= set(ENTRIES)
    assert ENTRIES["long_timer_check"].every == 600 and ENTRIES["notification_digests"].cron == "*/15 * * * *"
