"""`flask mail test ADDRESS`: send one message now through the configured mail settings (SMTP, or the outbox)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

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
        path = send_email(address, _("Timeboard test message"),
                          _("This is a test message from Timeboard: the mail settings work."))
    except OSError as exc:  # smtplib's errors are OSErrors: refused, unreachable, bad login...
        raise click.ClickException(_("could not send through %(server)s: %(error)s",
                                     server=current_app.config["MAIL_SERVER"], error=exc)) from None
    click.echo(_("Written to %(path)s", path=path) if path else
               _("Sent to %(address)s through %(server)s", address=address, server=current_app.config["MAIL_SERVER"]))
