"""Notifications speak their recipient's language (issue 24): a trigger run by a job writes the in-app text and the
e-mail of each recipient in that person's language (User.language), whoever else is told at the same time.
Needs the compiled catalogs (bin/setup compiles app/translations/*/LC_MESSAGES/messages.po)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import Notification, utcnow
from tests.mailbox import body, outbox


def test_a_long_timer_is_told_in_german_to_a_german_reader_and_in_english_to_an_english_one(
        app, db, factory, run_jobs, mail_outbox):
    from app.notifications.long_timers import check
    org = factory.organization()
    project = factory.project(org, name="Apollo")
    german = factory.user(org, email="greta@example.com", language="de")
    english = factory.user(org, email="emma@example.com", language="en")
    now = utcnow()
    for person in (german, english):
        factory.time_log(person, project, start=now - timedelta(hours=11), minutes=None)

    assert check(now) == "2 long-running timer(s) notified"
    stored = {n.user_id: n for n in db.session.scalars(select(Notification).where(Notification.kind == "long_timer"))}
    assert stored[german.id].title == "Ihr Timer für Apollo läuft seit 11 Stunden"  # the bell and /notifications
    assert stored[english.id].title == "Your timer on Apollo has been running for 11 hours"

    run_jobs(["notifications"])
    mails = {m["To"]: m for m in outbox(mail_outbox)}
    de, en = mails["greta@example.com"], mails["emma@example.com"]
    assert de["Subject"] == "Ihr Timer für Apollo läuft seit 11 Stunden"
    assert "Stoppen Sie ihn" in body(de) and "In Timeboard öffnen" in de.get_body(("html",)).get_content()
    assert "Diese E-Mails abbestellen" in body(de) and "Stop these e-mails" not in body(de)
    assert en["Subject"] == "Your timer on Apollo has been running for 11 hours"
    assert "Stop it, or correct the entry" in body(en) and "Stop these e-mails:" in body(en)
    assert "Stoppen Sie ihn" not in body(en)
