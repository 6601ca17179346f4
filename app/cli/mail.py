"""`flask mail test ADDRESS`: send one message now through the configured mail settings (SMTP, or the outbox)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.notifications.mail import send_email
from app.web.form_filters import normalize_email


@click.group("mail")
def mail_group() -> None:
    """E-mail (app/notifications/mail.py)."""


@mail_group.command("test")
@click.argument("address")
@with_appcontext
def test_command(address: str) -> None:
    """Send a test message to ADDRESS now (not through a job), to check MAIL_SERVER or the outbox."""


    try:
        address = normalize_email(address)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="ADDRESS") from None
    try:
        path = send_email(address, "Timeboard test message",
                          "This is a test message from Timeboard: the mail settings work.")
    except OSError as exc:  # smtplib's errors are OSErrors: refused, unreachable, bad login...
        raise click.ClickException(f"could not send through {current_app.config['MAIL_SERVER']}: {exc}") from None
    click.echo(f"Written to {path}" if path else f"Sent to {address} through {current_app.config['MAIL_SERVER']}")
