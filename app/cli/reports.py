"""`flask reports generate`: a report in the foreground, with a progress bar, for scripts and cron. The same
service as the report job (app.reports.generate), without a Report record."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import Organization, User, utcnow
from app.reports.generate import generate
from app.reports.params import FORMATS, GROUPS, ParamError, ReportParams, check


@click.group("reports", cls=AppGroup)
def reports_group():
    """On-demand reports."""


@reports_group.command("generate")
@click.option("--org", "org_id", required=True, type=int, help="Organization id.")
@click.option("--from", "date_from", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "date_to", required=True, help="Last day, YYYY-MM-DD (inclusive).")
@click.option("--group", default="", help=f"One or two of {', '.join(GROUPS)}, comma-separated.")
@click.option("--format", "fmt", default="csv", help="csv, xlsx or pdf.")
@click.option("--user", "email", default=None, help="Only this person's time (by email).")
@click.option("--rounding", default="none", help="none, up, down or nearest.")
@click.option("--rounding-minutes", default=15, type=int, help="1, 5, 6, 10, 15 or 30.")
@click.option("--hours", "hours_format", default="hmm", help="hmm (h:mm) or decimal.")
@click.option("--time-zone", default="UTC", help="Days and times in this zone (default UTC).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The file to write (a CSV with --group is a zip of the detail and the summary).")
def generate_command(org_id, date_from, date_to, group, fmt, email, rounding, rounding_minutes, hours_format,
                     time_zone, out):
    """Write one report of an organization's time (all of it, or one person's) to --out."""
    organization = db.session.get(Organization, org_id)
    if organization is None:
        raise click.ClickException(_("No organization %(id)s.", id=org_id))
    user_ids = []
    if email:
        person = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if person is None:
            raise click.ClickException(_("No user %(email)s.", email=email))
        user_ids = [person.id]
    if fmt not in FORMATS:
        raise click.ClickException(_("--format: choose one of %(formats)s, not %(value)s.", formats=", ".join(FORMATS),
                                     value=repr(fmt)))
    params = ReportParams(organization_id=org_id, range="custom", date_from=date_from, date_to=date_to,
                          groups=[g.strip() for g in group.split(",") if g.strip()], user_ids=user_ids,
                          rounding=rounding, rounding_minutes=rounding_minutes, hours_format=hours_format,
                          format=fmt, time_zone=time_zone)
    try:
        _check_zone(time_zone)
        check(params)
    except ParamError as exc:
        raise click.ClickException("; ".join(f"--{_option(k)}: {v}" for k, v in exc.errors.items())) from None
    out_path = Path(out)
    with tempfile.TemporaryDirectory(dir=out_path.parent.resolve()) as tmp:
        bar = _Bar()
        try:
            result = generate(params, None, organization, Path(tmp), "report", utcnow(), bar.update,
                              title=_("Time report %(start)s to %(end)s", start=date_from, end=date_to))
        finally:
            bar.close()
        shutil.move(str(Path(tmp) / result.file_name), out_path)
    click.echo(_("wrote %(path)s (%(format)s): %(rows)s rows, %(bytes)s bytes", path=out_path,
                 format=result.file_name.rsplit(".", 1)[-1], rows=f"{result.rows:,}", bytes=f"{result.size:,}"))


def _check_zone(zone: str) -> None:
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        raise ParamError({"time_zone": _("Unknown time zone %(zone)s.", zone=repr(zone))}) from None


def _option(key: str) -> str:
    return {"organization_id": "org", "date_from": "from", "date_to": "to", "groups": "group", "user_ids": "user",
            "rounding_minutes": "rounding-minutes", "hours_format": "hours", "time_zone": "time-zone"}.get(key, key)


class _Bar:
    """A click progress bar over the rows, opened once the count is known."""

    def __init__(self):
        self.bar = None
        self.done = 0

    def update(self, phase: str, done: int, total: int) -> None:
        if phase == "counting":
            click.echo(_("counting rows…"), err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=_("writing %(count)s rows", count=f"{total:,}"),
                                         file=click.get_text_stream("stderr"))
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
