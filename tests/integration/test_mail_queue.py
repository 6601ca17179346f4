"""Account e-mail never waits behind long work (issue 17): it has its own queue, `mail`, and its own worker in the
Procfile, so a password reset reaches the outbox while long jobs hold the main worker."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.background.catalog import KINDS, MAIL, MAIL_WORKER_QUEUES, MAIN_WORKER_QUEUES
from app.background.enqueue import enqueue
from app.models import JobStatus
from tests.integration.test_redis_outage import eventually
from tests.mailbox import empty_outbox, outbox
from tests.processes import ROOT


def test_account_email_has_its_own_queue_and_worker_in_the_procfile():
    assert [k for k in KINDS.values() if k.queue == MAIL] == [
        KINDS["send_email"], KINDS["signup_mail"], KINDS["password_reset_mail"]]
    assert MAIL not in MAIN_WORKER_QUEUES
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert lines["mail_worker"].split("wsgi", 1)[1].split() == ["jobs", "worker", *MAIL_WORKER_QUEUES, "--no-fork"]


@pytest.mark.timeout(120)
def test_a_password_reset_reaches_the_outbox_while_long_jobs_hold_the_main_worker(app, client, db, factory,
                                                                                 start_workers):
    empty_outbox(app.config["OUTBOX_DIR"])
    user = factory.user(factory.organization(), email="forgetful@example.com")
    long_jobs = [enqueue("sleep", 20) for _ in range(5)]
    ids = [j.id for j in long_jobs]
    start_workers()

    def statuses() -> list[str]:
        db.session.expire_all()
        return [db.session.get(JobStatus, i).status for i in ids]
    assert eventually(lambda: statuses()[0] == "processing", 60), statuses()

    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code < 400
    mail = eventually(lambda: outbox(app.config["OUTBOX_DIR"]), 30, every=0.1)
    assert mail and mail[0]["To"] == user.email and mail[0]["Subject"] == "Reset your Timeboard password"
    assert statuses() == ["processing", "pending", "pending", "pending", "pending"]  # the long work still waits
    sent = db.session.scalar(select(JobStatus).where(JobStatus.kind == "password_reset_mail"))
    assert sent.queue == MAIL and sent.status == "completed"
