"""E-mail, in one place: `send_email()` now, `send_email_later()` from a request (a job on the `mail` queue, which
its own worker serves: account e-mail never waits behind long work). Built on Flask-Mailman (Django's mail API:
MIME, encodings, headers, SMTP with TLS).

With MAIL_SERVER set, mail goes by SMTP (MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS,
MAIL_USE_SSL, from MAIL_FROM); the settings are read when a message is sent, so a test can point them
at its own server. Without it (development), each message is written as one .eml file into OUTBOX_DIR
(instance/outbox/) and its recipient and subject are logged. The notifications issue reuses this module.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_mailman import EmailMultiAlternatives

from app.background.enqueue import EnqueueError, enqueue
from app.extensions import mail
from app.models import utcnow

log = logging.getLogger(__name__)


def one_line(text: str | None) -> str:
    """A subject (or a notification's title, which becomes one): every line break, tab or run of spaces folded
    into one space. A mail header holds one line (a break in it is refused: BadHeaderError), and a name a person
    typed (a project's, an organization's) may hold breaks."""
    return " ".join((text or "").split())


def app_url_for(endpoint: str, **values) -> str:
    """An absolute link for an e-mail: APP_URL (the site's public address, the same in every process) and the
    endpoint's path. Never the host of the request (a Host header is the sender's to choose) nor of the worker
    (its own port under honcho) that happens to build it."""
    base = urlsplit(current_app.config["APP_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def app_url(path: str) -> str:
    """APP_URL + a path of the site ("/projects/3/edit"); an absolute URL is kept as it is."""
    return path if path.startswith(("http://", "https://")) else current_app.config["APP_URL"] + path


def send_email(to: str | list[str], subject: str, text: str, html: str | None = None,
               attachments: Iterable[tuple[str, bytes | str, str]] = (),
               headers: dict[str, str] | None = None) -> Path | None:
    """Send one message now (in a job: call send_email_later from a request). Attachments are
    (filename, content, mimetype). Returns the outbox file when there is no SMTP server."""
    config = current_app.config
    recipients = [to] if isinstance(to, str) else list(to)
    subject = one_line(subject)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=config["MAIL_FROM"], to=recipients,
                                     headers=headers or None)
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    if not config.get("MAIL_SERVER"):
        return _write_to_outbox(message)
    connection = mail.get_connection(
        backend="smtp", host=config["MAIL_SERVER"], port=config["MAIL_PORT"], username=config["MAIL_USERNAME"],
        password=config["MAIL_PASSWORD"], use_tls=config["MAIL_USE_TLS"], use_ssl=config["MAIL_USE_SSL"],
        timeout=config["MAIL_TIMEOUT"])
    connection.send_messages([message])  # raises on failure: the job is retried by its policy
    log.info("mail sent to %s: %s", ", ".join(recipients), subject)
    return None


def _write_to_outbox(message) -> Path:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(message.message().as_bytes())
    log.info("mail to %s written to %s: %s", ", ".join(message.to), path, message.subject)
    return path


@dataclass(frozen=True)
class Outgoing:
    """A message handed to the send_email job. Its repr (what /jobs and rq-dashboard show of a job's arguments)
    names the recipient and subject only: the body may carry a sign-in link (a reset, an invitation)."""
    to: str
    subject: str
    text: str
    html: str | None = None

    def __repr__(self) -> str:
        return f"<e-mail to {self.to}: {self.subject!r}>"


def send_email_later(to: str, subject: str, text: str, html: str | None = None):
    """Enqueue the message (the "send_email" job kind): call after the commit it announces. Returns the job's
    JobStatus, or None when the queue (Redis) is unavailable: the change stands, the caller may say so."""

    try:
        return enqueue("send_email", Outgoing(to, one_line(subject), text, html))
    except EnqueueError as exc:
        log.error("could not queue the e-mail to %s (%r): %s", to, subject, exc)
        return None
