"""Notifications: one record per (user, dedup key), delivered by one job per channel on the notifications queue;
in-app pushes the bell and a toast on the user's stream; e-mail goes through a real SMTP server (aiosmtpd started
here) or the outbox, with HTML and plain-text bodies and a signed unsubscribe link, retried when SMTP fails
without touching the in-app notification."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import Channel, EmailState, JobStatus, Notification, NotificationSettings, utcnow
from app.notifications import emails, preferences
from app.notifications.notify import notify
from tests.conftest import login
from tests.integration.notify_helpers import Pushes, release_scheduled
from tests.mailbox import SMTPServer, body, links, outbox


class Refusing:
    """aiosmtpd handler that refuses every message with a temporary error (a server in trouble)."""

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        return "451 Requested action aborted: local error in processing"


@pytest.fixture()
def smtp(app):
    with SMTPServer() as server:
        saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            yield server
        finally:
            app.config.update(saved)


@pytest.fixture()
def pushes(redis_conn):
    listener = Pushes(redis_conn)
    yield listener
    listener.close()


def jobs_of(db, kind: str) -> list[JobStatus]:
    return list(db.session.scalars(select(JobStatus).where(JobStatus.kind == kind).order_by(JobStatus.id)))


def count(db, **where) -> int:
    query = select(func.count()).select_from(Notification)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return db.session.scalar(query)


def test_a_notification_is_created_once_per_dedup_key_and_delivered_by_one_job_per_channel(
        app, db, factory, run_jobs, watch, pushes, mail_outbox):
    user = factory.user(email="ann@example.com")
    user_id = user.id
    watch(f"user:{user_id}")
    first = notify(user, "long_timer", "long_timer:1", "Your timer has run 10 hours", "Stop it.", link="/time-logs")
    assert first is not None and first.in_app and first.email_state == EmailState.PENDING
    first_id = first.id
    assert notify(user, "long_timer", "long_timer:1", "again", "again") is None  # a retried trigger
    assert count(db, user_id=user_id) == 1
    assert [j.queue for j in jobs_of(db, "notification_in_app")] == ["notifications"]
    assert [j.queue for j in jobs_of(db, "notification_email")] == ["notifications"]

    run_jobs(["notifications"])
    streams = "".join(m["stream"] for m in pushes.collect("notification-toast") if f"user:{user_id}" in m["topics"])
    assert 'target="notification-bell"' in streams and 'data-testid="notification-count">1<' in streams
    assert 'target="toasts"' in streams and "Your timer has run 10 hours" in streams
    (message,) = outbox(mail_outbox)
    assert message["To"] == "ann@example.com" and message["Subject"] == "Your timer has run 10 hours"
    assert "Stop it." in body(message) and message.get_body(("html",)) is not None
    assert db.session.get(Notification, first_id).email_state == EmailState.SENT
    run_jobs(["notifications"])  # nothing left to do: no second e-mail
    assert len(outbox(mail_outbox)) == 1


def test_preferences_choose_the_channels_and_off_notifies_nobody(db, factory, run_jobs, mail_outbox):
    user = factory.user()
    preferences.set_channel(user, "long_timer", Channel.OFF)
    assert notify(user, "long_timer", "k", "t") is None
    preferences.set_channel(user, "long_timer", Channel.IN_APP)
    in_app = notify(user, "long_timer", "k2", "t")
    assert in_app.in_app and in_app.email_state == EmailState.NONE
    preferences.set_channel(user, "budget", Channel.EMAIL)
    by_mail = notify(user, "budget", "k3", "t")
    assert not by_mail.in_app and by_mail.email_state == EmailState.PENDING
    assert len(jobs_of(db, "notification_in_app")) == 1 and len(jobs_of(db, "notification_email")) == 1


def test_real_smtp_carries_both_bodies_headers_attachment_and_a_working_unsubscribe_link(
        app, client, db, factory, smtp, run_jobs):
    user = factory.user(email="bob@example.com")
    user_id = user.id
    notification = notify(user, "budget", "budget:1:80:10", "Alpha has reached 80% of its budget",
                          "8.0 h of its 10 h budget are used (80%).", link="/projects/1/edit")
    emails.send_notification(db.session.get(Notification, notification.id),
                             attachments=[("report.csv", b"project,hours\nAlpha,8\n", "text/csv")])
    (message,) = smtp.wait_for(1)
    assert message["X-Envelope-To"] == "bob@example.com" and message["To"] == "bob@example.com"
    assert message["Subject"] == "Alpha has reached 80% of its budget" and "Timeboard" in message["From"]
    text, html = body(message), message.get_body(("html",)).get_content()
    assert "8.0 h of its 10 h budget" in text and "8.0 h of its 10 h budget" in html
    assert "http://127.0.0.1:5000/projects/1/edit" in text and 'href="http://127.0.0.1:5000/projects/1/edit"' in html
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "report.csv"
    assert attachment.get_content().replace("\r\n", "\n") == "project,hours\nAlpha,8\n"
    unsubscribe = next(link for link in links(message) if "/unsubscribe/" in link)
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>" and unsubscribe in html

    path = unsubscribe.split("127.0.0.1:5000", 1)[1]
    page = client.get(path)  # nobody signed in
    assert page.status_code == 200 and "Stop e-mailing bob@example.com" in page.get_data(as_text=True)
    assert preferences.channel_for(db.session.get(type(user), user_id), "budget") == Channel.BOTH
    confirmed = client.post(path)
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == path
    assert "no longer gets e-mail about this" in client.get(path).get_data(as_text=True)
    assert preferences.channel_for(db.session.get(type(user), user_id), "budget") == Channel.IN_APP
    assert preferences.channel_for(db.session.get(type(user), user_id), "long_timer") == Channel.BOTH  # that kind only


def test_outbox_mode_writes_one_eml_per_message(app, db, factory, run_jobs, mail_outbox):
    for n in range(2):
        user = factory.user()
        notify(user, "long_timer", f"k{n}", f"Message {n}", "body")
    run_jobs(["notifications"])
    assert sorted(m["Subject"] for m in outbox(mail_outbox)) == ["Message 0", "Message 1"]


def test_a_failing_smtp_server_means_retries_and_the_in_app_notification_survives(app, db, factory, run_jobs):
    user = factory.user(email="carl@example.com")
    with SMTPServer() as server:
        server.controller.handler = Refusing()  # each new SMTP session takes the controller's handler
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            notification_id = notify(user, "long_timer", "k", "Long timer", "body").id
            run_jobs(["notifications"])
            (job,) = jobs_of(db, "notification_email")
            assert job.status == "pending" and job.attempts == 1 and "451" in job.error_message  # a retry is planned
            assert jobs_of(db, "notification_in_app")[0].status == "completed"
            assert db.session.get(Notification, notification_id).email_state == EmailState.PENDING
            assert server.messages == []
        finally:
            app.config.update(MAIL_SERVER="")
    with SMTPServer() as healthy:  # the server is back (on another port: the settings are read at each send)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=healthy.port)
        try:
            release_scheduled()
            run_jobs(["notifications"])
            (message,) = healthy.wait_for(1)
            assert message["Subject"] == "Long timer"
        finally:
            app.config.update(MAIL_SERVER="")
    (job,) = jobs_of(db, "notification_email")
    assert job.status == "completed" and job.attempts == 2
    survived = db.session.get(Notification, notification_id)
    assert survived.in_app and survived.read_at is None and survived.email_state == EmailState.SENT


def test_report_ready_is_emailed_only_if_still_unread_after_15_minutes(app, db, factory, run_jobs, mail_outbox):
    reader, away = factory.user(), factory.user()
    now = utcnow()
    away_email = away.email
    read_one = notify(reader, "report_ready", "report:1:ready", "Report ready", now=now)
    unread_one = notify(away, "report_ready", "report:2:ready", "Report ready", now=now)
    assert read_one.email_due_at == now + timedelta(minutes=15)
    read_id, unread_id = read_one.id, unread_one.id
    run_jobs(["notifications"])
    assert outbox(mail_outbox) == []  # the e-mails wait (delayed jobs)
    db.session.get(Notification, read_id).mark_read()
    db.session.commit()
    release_scheduled()
    run_jobs(["notifications"])
    (message,) = outbox(mail_outbox)
    assert message["To"] == away_email
    assert db.session.get(Notification, read_id).email_state == EmailState.SKIPPED
    assert db.session.get(Notification, unread_id).email_state == EmailState.SENT


def test_quiet_hours_hold_the_email_until_they_end_but_not_the_in_app_notification(db, factory):
    user = factory.user(time_zone="Europe/Paris")
    preferences.save(user, {}, daily_digest=False, quiet_start=22, quiet_end=7)
    late = datetime(2026, 11, 25, 22, 30)  # 23:30 in Paris (UTC+1)
    notification = notify(user, "long_timer", "k", "t", now=late)
    assert notification.email_due_at == datetime(2026, 11, 26, 6, 0)  # 07:00 in Paris
    assert notification.in_app and len(jobs_of(db, "notification_in_app")) == 1
    (email_job,) = jobs_of(db, "notification_email")
    assert email_job.status == "pending"
    daytime = notify(user, "long_timer", "k2", "t", now=datetime(2026, 11, 26, 12, 0))
    assert daytime.email_due_at == datetime(2026, 11, 26, 12, 0)


def test_the_daily_digest_gathers_the_days_emails_into_one_message_at_8_local(app, db, factory, mail_outbox):
    from app.notifications.digest import send_digests
    user = factory.user(time_zone="America/New_York", email="dana@example.com")
    other = factory.user(time_zone="America/New_York")
    preferences.save(user, {}, daily_digest=True, quiet_start=None, quiet_end=None)
    yesterday = datetime(2026, 11, 24, 20, 0)
    for n in range(3):
        assert notify(user, "long_timer", f"k{n}", f"Timer {n} ran long", "body", now=yesterday).email_state == "digest"
    notify(other, "long_timer", "k", "Not in a digest", now=yesterday)
    assert jobs_of(db, "notification_email")[0].user_id == other.id  # only the other user's goes out alone
    assert send_digests(datetime(2026, 11, 25, 12, 0)) == 0  # 07:00 in New York
    assert send_digests(datetime(2026, 11, 25, 13, 5)) == 1  # 08:05 in New York
    (message,) = outbox(mail_outbox)
    assert message["To"] == "dana@example.com" and "digest" in message["Subject"]
    assert all(f"Timer {n} ran long" in body(message) for n in range(3))
    assert send_digests(datetime(2026, 11, 25, 13, 20)) == 0  # one a day
    assert len(outbox(mail_outbox)) == 1
    assert db.session.get(NotificationSettings, user.id).last_digest_on.isoformat() == "2026-11-25"


def test_unsubscribe_tokens_cannot_be_forged_or_reused_for_another_kind(app, client, db, factory):
    user = factory.user()
    with app.test_request_context():
        token = emails.unsubscribe_token(user, "budget")
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 200
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/notifications/unsubscribe/{forged}").status_code == 404
    assert client.post(f"/notifications/unsubscribe/{forged}").status_code == 404
    assert client.get("/notifications/unsubscribe/not-a-token").status_code == 404
    from itsdangerous import URLSafeTimedSerializer

    other_key = URLSafeTimedSerializer("not our secret", salt="timeboard-unsubscribe").dumps(
        {"u": user.id, "k": "budget"})
    assert client.post(f"/notifications/unsubscribe/{other_key}").status_code == 404
    assert preferences.channel_for(user, "budget") == Channel.BOTH


def test_the_list_shows_unread_first_and_nobody_reads_or_marks_anothers_notifications(client, db, factory):
    w = factory.world()
    base = datetime(2026, 11, 20, 9, 0)
    older = notify(w.member, "long_timer", "a", "Older unread", now=base)
    newer = notify(w.member, "long_timer", "b", "Newer read", now=base + timedelta(hours=1))
    theirs = notify(w.manager, "long_timer", "c", "The manager's", link="/time-logs")
    newer.mark_read()
    db.session.commit()
    login(client, w.member)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("Older unread") < page.index("Newer read") and "The manager&#39;s" not in page
    assert 'data-testid="notification-count">1<' in page
    for action in ("read", "open"):
        assert client.post(f"/notifications/{theirs.id}/{action}").status_code == 404
        assert client.post(f"/notifications/999999/{action}").status_code == 404
        assert client.post(f"/notifications/abc/{action}").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None
    assert client.post(f"/notifications/{older.id}/read").status_code == 303
    assert db.session.get(Notification, older.id).read_at is not None
    client.post("/logout")
    login(client, w.sysadmin)  # a system admin neither
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404


def test_mark_all_read_and_open_follow_the_link(client, db, factory):
    user = factory.user()
    ids = [notify(user, "long_timer", f"k{n}", f"n{n}", link="/time-logs").id for n in range(25)]
    login(client, user)
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('data-testid="notification-item"') == 20 and "Page 1 of 2" in first
    response = client.post(f"/notifications/{ids[0]}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/time-logs"
    assert client.post("/notifications/read-all").status_code == 303
    assert count(db, user_id=user.id, read_at=None) == 0
    assert 'data-testid="notification-count">0<' in client.get("/notifications").get_data(as_text=True)


def test_mark_read_pushes_the_new_count_to_every_open_page(client, db, factory, watch, pushes):
    user = factory.user()
    first, _second = (notify(user, "long_timer", f"k{n}", f"n{n}") for n in range(2))
    watch(f"user:{user.id}")
    login(client, user)
    client.post(f"/notifications/{first.id}/read")
    streams = "".join(m["stream"] for m in pushes.collect("notification-count"))
    assert 'data-testid="notification-count">1<' in streams and f'target="notification-{first.id}"' in streams


def test_preferences_form_saves_and_refuses_half_quiet_hours(client, db, factory):
    user = factory.user()
    login(client, user)
    page = client.get("/settings").get_data(as_text=True)
    assert "notifications-channel_weekly_summary" in page and "operator_alert" not in page  # not a system admin
    bad = client.post("/settings/notifications", data={"notifications-quiet_start": "22",
                                                       "notifications-channel_budget": "email"})
    assert bad.status_code == 422 and "Give both ends of the quiet hours" in bad.get_data(as_text=True)
    assert client.post("/settings/notifications", data={"notifications-channel_budget": "sideways"}).status_code == 422
    ok = client.post("/settings/notifications", data={
        "notifications-channel_budget": "email", "notifications-channel_weekly_summary": "off",
        "notifications-daily_digest": "y", "notifications-quiet_start": "22", "notifications-quiet_end": "7"})
    assert ok.status_code == 303
    assert preferences.channel_for(user, "budget") == Channel.EMAIL
    assert preferences.channel_for(user, "weekly_summary") == Channel.OFF
    settings = db.session.get(NotificationSettings, user.id)
    assert settings.daily_digest and (settings.quiet_start, settings.quiet_end) == (22, 7)


def test_notification_posts_need_the_csrf_token(csrf_app, factory, db):
    import re

    user = factory.user()
    note = notify(user, "long_timer", "k", "t", link="/time-logs")
    with csrf_app.test_request_context():
        token = emails.unsubscribe_token(user, "long_timer")
    client = csrf_app.test_client()
    login_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                            client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": "password", "csrf_token": login_token[1]})
    for path in (f"/notifications/{note.id}/read", f"/notifications/{note.id}/open", "/notifications/read-all",
                 f"/notifications/unsubscribe/{token}", "/settings/notifications"):
        assert client.post(path, data={"notifications-channel_long_timer": "off"}).status_code == 400, path
    assert db.session.get(Notification, note.id).read_at is None
    assert preferences.channel_for(user, "long_timer") == Channel.BOTH


def test_an_email_whose_job_was_lost_is_queued_again_once_and_a_final_failure_is_left_alone(
        app, db, factory, redis_conn, run_jobs, mail_outbox):
    from app.notifications.delivery import sweep
    user = factory.user()
    now = utcnow()
    lost = notify(user, "long_timer", "k", "Lost with Redis", now=now - timedelta(hours=1))
    lost_id = lost.id
    redis_conn.flushdb()  # its jobs are gone
    assert len(jobs_of(db, "notification_email")) == 1  # its record says pending; Redis holds nothing
    assert sweep(now) == 1
    assert sweep(now) == 1  # still pending, but its job is queued: coalesced, not doubled
    assert len(jobs_of(db, "notification_email")) == 2
    run_jobs(["notifications"])
    assert [m["Subject"] for m in outbox(mail_outbox)] == ["Lost with Redis"]
    assert db.session.get(Notification, lost_id).email_state == EmailState.SENT
    assert sweep(now) == 0
    failed = notify(factory.user(), "long_timer", "k", "Refused", now=now - timedelta(hours=1))
    failed.email_state = EmailState.FAILED
    db.session.commit()
    assert sweep(now) == 0


def test_an_email_refused_on_every_attempt_ends_failed_and_the_in_app_notification_stays(app, db, factory, run_jobs):
    user = factory.user()
    with SMTPServer() as server:
        server.controller.handler = Refusing()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            notification_id = notify(user, "long_timer", "k", "Never arrives").id
            for _ in range(4):  # the first attempt and the kind's three retries
                run_jobs(["notifications"])
                release_scheduled()
        finally:
            app.config.update(MAIL_SERVER="")
    (job,) = jobs_of(db, "notification_email")
    assert job.status == "failed" and job.attempts == 4
    notification = db.session.get(Notification, notification_id)
    assert notification.email_state == EmailState.FAILED and notification.in_app and notification.read_at is None
