"""flask CLI: `flask --app wsgi seed | cleanup | jobs | seeding | gateway | mail | reports | notifications | tokens
| export`."""
from __future__ import annotations

from flask import Flask

from app.cli.export import export_group
from app.cli.gateway import gateway_command
from app.cli.jobs import jobs_group
from app.cli.mail import mail_group
from app.cli.maintenance import cleanup_command, seeding_group
from app.cli.notifications import notifications_group
from app.cli.reports import reports_group
from app.cli.seed import seed_command
from app.cli.tokens import tokens_group


def register_commands(app: Flask) -> None:
    for command in (jobs_group, seed_command, cleanup_command, seeding_group, gateway_command, mail_group,
                    reports_group, notifications_group, tokens_group, export_group):
        app.cli.add_command(command)
