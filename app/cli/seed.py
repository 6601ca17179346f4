"""`flask seed`: bulk, deterministic, realistic data (or the demo organization) through app/seeding."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import inspect, select

from app import seeding
from app.extensions import db
from app.models import User
from app.seeding.demo import ADMIN, DEMO_ORGANIZATION, DEMO_PASSWORD, ORG_ACCOUNTS


@click.command("seed")
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=None,
              help="Random seed: the same seed on an empty database gives identical data (on the same UTC day).")
@click.option("--orgs", type=click.IntRange(min=1, max=10_000), default=3, show_default=True,
              help="Organizations to create.")
@click.option("--users-per-org", type=click.IntRange(min=1, max=10_000), default=20, show_default=True,
              help="People per organization.")
@click.option("--days", type=click.IntRange(min=1, max=3_660), default=30, show_default=True,
              help="Days of history per person (weekdays, working hours in their time zone).")
@click.option("--max-logs", type=click.IntRange(min=0), default=None,
              help="Stop after this many time logs in all (e.g. exactly 1000000 for a benchmark).")
@click.option("--demo", is_flag=True,
              help="Create the demo organization and the four demo accounts instead (development only).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users (bin/setup).")
@click.option("--force-production", is_flag=True,
              help="Seed in bulk even when APP_ENV=production; the accounts then get a random password, never shown.")
@with_appcontext
def seed_command(seed_value: int | None, orgs: int, users_per_org: int, days: int, max_logs: int | None,
                 demo: bool, if_empty: bool, force_production: bool):
    """Create realistic organizations, people, projects and time logs, fast (bulk inserts)."""
    if demo and current_app.config["APP_ENV"] != "development":
        raise click.UsageError(_(
            "--demo only runs when APP_ENV=development (it is %(env)s): it creates accounts with a well-known "
            "password.", env=repr(current_app.config["APP_ENV"])))
    if not demo and current_app.config["APP_ENV"] == "production" and not force_production:
        raise click.UsageError(_(
            "refusing to seed a production database (APP_ENV=production): it creates made-up organizations and "
            "accounts. Add --force-production if you really mean it (their passwords are then random and never "
            "shown)."))
    if not inspect(db.engine).has_table("time_logs"):
        raise click.ClickException(_("the database has no tables yet: run `flask --app wsgi db upgrade` first"))
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo(_("database already has data, skipping"))
        return
    if demo:
        _seed_demo()
    else:
        _seed_bulk(seed_value, orgs, users_per_org, days, max_logs)


def _seed_demo() -> None:
    result = seeding.create_demo()
    if result.created:
        org = result.organization
        click.echo(_("Created the demo organization %(name)s (id %(id)s): %(users)s people, %(teams)s teams, "
                     "%(projects)s projects, %(logs)s time logs (%(running)s running).", name=repr(DEMO_ORGANIZATION),
                     id=org.id, users=org.users, teams=org.teams, projects=org.projects, logs=f"{org.logs:,}",
                     running=org.running))
    else:
        click.echo(_("The demo organization %(name)s already exists (id %(id)s).", name=repr(DEMO_ORGANIZATION),
                     id=result.organization_id))
    accounts = ", ".join([ADMIN[0]] + [email for email, *_rest in ORG_ACCOUNTS])
    click.echo(_("Demo accounts: %(accounts)s (password %(password)s).", accounts=accounts,
                 password=repr(DEMO_PASSWORD)))


def _seed_bulk(seed_value: int | None, orgs: int, users_per_org: int, days: int, max_logs: int | None) -> None:
    logs = 0
    with click.progressbar(length=orgs * users_per_org, label=_("Seeding"), show_pos=True,
                           item_show_func=lambda item: item) as bar:
        def progress(people: int, written: int) -> None:
            nonlocal logs
            logs += written
            bar.update(people, _("%(count)s time logs", count=f"{logs:,}"))

        result = seeding.seed(orgs, users_per_org, days, seed=seed_value, progress=progress, max_logs=max_logs)
    total = result.total
    click.echo(_("Created %(orgs)s organizations, %(users)s people, %(teams)s teams, %(clients)s clients, "
                 "%(projects)s projects and %(logs)s time logs (%(running)s timers running), history up to %(now)s "
                 "UTC.", orgs=len(result.organizations), users=f"{total('users'):,}", teams=total("teams"),
                 clients=total("clients"), projects=total("projects"), logs=f"{total('logs'):,}",
                 running=total("running"), now=f"{result.now:%Y-%m-%d %H:%M}"))
    click.echo(_("%(logs)s time logs in %(seconds)ss: %(logs_per_second)s logs/s (%(rows)s rows in all, "
                 "%(rows_per_second)s rows/s).", logs=f"{total('logs'):,}", seconds=f"{result.seconds:.1f}",
                 logs_per_second=f"{result.logs_per_second:,.0f}", rows=f"{total('rows'):,}",
                 rows_per_second=f"{result.rows_per_second:,.0f}"))
    if result.known_password:
        click.echo(_("Seed %(seed)s: `flask seed --seed %(seed)s` on an empty database makes the same data. Every "
                     "seeded person's password is %(password)s.", seed=result.seed,
                     password=repr(result.known_password)))
    else:
        click.echo(_("Seed %(seed)s: `flask seed --seed %(seed)s` on an empty database makes the same data. Every "
                     "seeded person has a random password that was never shown.", seed=result.seed))
