"""Issue 19 (D): the daily reminder "You have not tracked anything today": at each person's chosen local time,
weekdays only, once a day, only to people with nothing tracked that local day, by their channel for the kind."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.models import Channel, EmailState, JobStatus, Notification, NotificationSettings, utcnow
from app.notifications import preferences
from app.timezones import to_local, to_utc

WEDNESDAY = datetime(2026, 12, 2, 16, 0)  # naive UTC: 17:00 in Paris, 11:00 in New York
SATURDAY = datetime(2026, 12, 5, 16, 0)


def _remind(db, user, zone: str, at: time | None) -> None:
    user.time_zone = zone
    db.session.add(NotificationSettings(user_id=user.id, daily_digest=False, reminder_at=at))
    db.session.commit()


def _untracked(db, w) -> None:
    """The world's member logged an hour three hours ago: on the day a test reminds about (today, or a fixed date
    that is today when the suite runs then), that is time tracked, and no reminder is due. Without it, the member
    has tracked nothing on any day."""
    db.session.delete(w.member_log)
    db.session.commit()


def _reminded(db) -> list[tuple[int, str]]:
    return [(n.user_id, n.dedup_key) for n in db.session.scalars(
        select(Notification).where(Notification.kind == "daily_reminder").order_by(Notification.id))]


def test_the_reminder_goes_once_at_each_persons_local_time_only_to_those_without_time_today(db, factory):
    from app.notifications.daily_reminders import send_due

    w = factory.world()
    _remind(db, w.member, "Europe/Paris", time(17, 0))  # due at 16:00 UTC
    _remind(db, w.manager, "America/New_York", time(17, 0))  # due at 22:00 UTC
    _remind(db, w.owner, "Europe/Paris", time(9, 0))  # due, but tracked time this morning (Paris)
    factory.time_log(w.owner, w.org_project, start=to_utc(WEDNESDAY.date(), time(8, 30), w.owner.zone), minutes=60)
    _remind(db, w.admin, "Europe/Paris", None)  # off (the default)
    # yesterday's entry (Paris) does not count for today
    factory.time_log(w.member, w.alpha_project, start=to_utc(WEDNESDAY.date() - timedelta(days=1), time(23, 30),
                                                             w.member.zone), minutes=20)

    assert send_due(WEDNESDAY - timedelta(minutes=5)) == "0 daily reminder(s) sent"  # 16:55 in Paris: not yet
    assert send_due(WEDNESDAY) == "1 daily reminder(s) sent"
    assert _reminded(db) == [(w.member.id, "daily_reminder:2026-12-02")]
    note = db.session.scalar(select(Notification).where(Notification.kind == "daily_reminder"))
    assert note.title == "You have not tracked anything today" and note.link == "/time-logs"
    assert send_due(WEDNESDAY + timedelta(minutes=5)) == "0 daily reminder(s) sent"  # once a day
    assert send_due(WEDNESDAY + timedelta(hours=6, minutes=2)) == "1 daily reminder(s) sent"  # 17:02 in New York
    assert _reminded(db)[-1] == (w.manager.id, "daily_reminder:2026-12-02")
    # the next day: again, for whoever has tracked nothing that day (the owner too now)
    assert send_due(WEDNESDAY + timedelta(days=1)) == "2 daily reminder(s) sent"
    assert sorted(_reminded(db)[-2:]) == sorted([(w.member.id, "daily_reminder:2026-12-03"),
                                                 (w.owner.id, "daily_reminder:2026-12-03")])


def test_a_running_timer_counts_as_tracking(db, factory):
    from app.notifications.daily_reminders import send_due

    w = factory.world()
    _remind(db, w.member, "UTC", time(15, 0))
    factory.time_log(w.member, w.alpha_project, start=WEDNESDAY - timedelta(days=1), minutes=None)
    assert send_due(WEDNESDAY) == "0 daily reminder(s) sent"


def test_no_reminder_on_weekends(db, factory):
    from app.notifications.daily_reminders import send_due

    w = factory.world()
    _untracked(db, w)
    _remind(db, w.member, "Europe/Paris", time(9, 0))
    assert send_due(SATURDAY) == "0 daily reminder(s) sent"
    assert send_due(SATURDAY + timedelta(days=1)) == "0 daily reminder(s) sent"
    assert send_due(SATURDAY + timedelta(days=2)) == "1 daily reminder(s) sent"  # Monday


def test_the_channel_preference_decides_in_app_and_e_mail(db, factory):
    from app.notifications.daily_reminders import send_due

    w = factory.world()
    for user in (w.member, w.manager, w.beta_member):
        _remind(db, user, "UTC", time(8, 0))
    preferences.set_channel(w.manager, "daily_reminder", Channel.IN_APP)
    preferences.set_channel(w.beta_member, "daily_reminder", Channel.OFF)
    assert send_due(WEDNESDAY) == "2 daily reminder(s) sent"
    by_user = {n.user_id: n for n in db.session.scalars(select(Notification).where(
        Notification.kind == "daily_reminder"))}
    assert set(by_user) == {w.member.id, w.manager.id}
    assert by_user[w.member.id].in_app and by_user[w.member.id].email_state == EmailState.PENDING  # both (default)
    assert by_user[w.manager.id].in_app and by_user[w.manager.id].email_state == EmailState.NONE


def test_settings_choose_the_reminder_time_or_none(client, factory, db):
    from tests.conftest import login

    w = factory.world()
    login(client, w.member)
    assert 'data-testid="reminder-at"' in client.get("/settings").get_data(as_text=True)
    bad = client.post("/settings/notifications", data={"notifications-reminder_at": "25:99"})
    assert bad.status_code == 422 and "Not a valid time value" in bad.get_data(as_text=True)
    ok = client.post("/settings/notifications", data={"notifications-reminder_at": "17:30"})
    assert ok.status_code == 303
    db.session.expire_all()
    assert db.session.get(NotificationSettings, w.member.id).reminder_at == time(17, 30)
    assert 'value="17:30"' in client.get("/settings").get_data(as_text=True)
    client.post("/settings/notifications", data={"notifications-reminder_at": ""})
    db.session.expire_all()
    assert db.session.get(NotificationSettings, w.member.id).reminder_at is None


def test_the_recurring_job_runs_every_5_minutes_on_a_real_worker(db, factory, run_jobs):
    from app.background.enqueue import enqueue
    from app.background.recurring import ENTRIES

    w = factory.world()
    _untracked(db, w)
    _remind(db, w.member, "UTC", time(0, 0))
    zone = w.member.zone  # read before the worker runs: in this process it ends the session the fixtures live in
    enqueue("daily_reminders")
    run_jobs(["notifications"])
    status = db.session.scalar(select(JobStatus).where(JobStatus.kind == "daily_reminders"))
    weekday = to_local(utcnow(), zone).weekday() < 5
    assert (status.status, status.result_summary) == ("completed", f"{int(weekday)} daily reminder(s) sent")
    assert ENTRIES["daily_reminders"].every == 300
