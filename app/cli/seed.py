"""`flask seed`: bulk, deterministic, realistic data (or the demo organization) through app/seeding."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
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
        raise click.UsageError(
            f"--demo only runs when APP_ENV=development (it is {current_app.config['APP_ENV']!r}): "
            "it creates accounts with a well-known password.")
    if not demo and current_app.config["APP_ENV"] == "production" and not force_production:
        raise click.UsageError(
            "refusing to seed a production database (APP_ENV=production): it creates made-up organizations and "
            "accounts. Add --force-production if you really mean it (their passwords are then random and never shown).")
    if not inspect(db.engine).has_table("time_logs"):
        raise click.ClickException("the database has no tables yet: run `flask --app wsgi db upgrade` first")
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("database already has data, skipping")
        return
    if demo:
        _seed_demo()
    else:
        _seed_bulk(seed_value, orgs, users_per_org, days, max_logs)


def _seed_demo() -> None:
    result = seeding.create_demo()
    if result.created:
        org = result.organization
        click.echo(f"Created the demo organization {DEMO_ORGANIZATION!r} (id {org.id}): {org.users} people, "
                   f"{org.teams} teams, {org.projects} projects, {org.logs:,} time logs ({org.running} running).")
    else:
        click.echo(f"The demo organization {DEMO_ORGANIZATION!r} already exists (id {result.organization_id}).")
    accounts = ", ".join([ADMIN[0]] + [email for email, *_ in ORG_ACCOUNTS])
    click.echo(f"Demo accounts: {accounts} (password {DEMO_PASSWORD!r}).")


def _seed_bulk(seed_value: int | None, orgs: int, users_per_org: int, days: int, max_logs: int | None) -> None:
    logs = 0
    with click.progressbar(length=orgs * users_per_org, label="Seeding", show_pos=True,
                           item_show_func=lambda item: item) as bar:
        def progress(people: int, written: int) -> None:
            nonlocal logs
            logs += written
            bar.update(people, f"{logs:,} time logs")

        result = seeding.seed(orgs, users_per_org, days, seed=seed_value, progress=progress, max_logs=max_logs)
    total = result.total
    click.echo(f"Created {len(result.organizations)} organizations, {total('users'):,} people, {total('teams')} "
               f"teams, {total('clients')} clients, {total('projects')} projects and {total('logs'):,} time logs "
               f"({total('running')} timers running), history up to {result.now:%Y-%m-%d %H:%M} UTC.")
    click.echo(f"{total('logs'):,} time logs in {result.seconds:.1f}s: {result.logs_per_second:,.0f} logs/s "
               f"({total('rows'):,} rows in all, {result.rows_per_second:,.0f} rows/s).")
    passwords = (f"Every seeded person's password is {result.known_password!r}." if result.known_password
                 else "Every seeded person has a random password that was never shown.")
    click.echo(f"Seed {result.seed}: `flask seed --seed {result.seed}` on an empty database makes the same data. "
               + passwords)
