"""`flask notifications weekly-summary EMAIL`: last week's summary for one person now (to try it out without
waiting for Monday 08:00); still once per week and person, like the recurring round."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.extensions import db
from app.models import User, utcnow
from app.notifications import weekly_summary
from app.web.form_filters import normalize_email


@click.group("notifications")
def notifications_group() -> None:
    """Notifications (app/notifications/)."""


@notifications_group.command("weekly-summary")
@click.argument("email")
@with_appcontext
def weekly_summary_command(email: str) -> None:
    """Send EMAIL's weekly summary of last week now (its delivery jobs run on the notifications queue)."""

    try:
        address = normalize_email(email)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from None
    user = db.session.scalar(db.select(User).where(User.email == address))
    if user is None:
        raise click.ClickException(_("no user with the address %(address)s", address=address))
    notification = weekly_summary.send_to(user, utcnow())
    if notification is None:
        raise click.ClickException(_("not sent: already sent for last week, or the weekly summary is off for them"))
    click.echo(_("Weekly summary for %(address)s: %(title)s (delivery queued)", address=address,
                 title=notification.title))
