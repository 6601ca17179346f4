"""`flask export organization ORG_ID --out FILE.zip`: a full export of an organization in the foreground, with a
progress bar, for scripts and backups. The same ZIP as the export job (app.organizations.exports.write_zip),
without an Export record."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.extensions import db
from app.models import Organization
from app.organizations.exports import write_zip


@click.group("export", cls=AppGroup)
def export_group():
    """Full exports of an organization's data."""


@export_group.command("organization")
@click.argument("org_id")
@click.option("--out", "out", required=True, help="The ZIP file to write (its folder must exist).")
def organization_command(org_id, out):
    """Write every table of organization ORG_ID (CSV and JSON each, and a manifest) to --out."""
    try:
        organization_id = int(org_id)
    except ValueError:
        raise click.ClickException(_("ORG_ID must be a number, not %(value)s.", value=repr(org_id))) from None
    organization = db.session.get(Organization, organization_id) if 0 < organization_id < 2**63 else None
    if organization is None:
        raise click.ClickException(_("No organization %(id)s.", id=org_id))
    out_path = Path(out)
    if out_path.is_dir():
        raise click.ClickException(_("--out: %(path)s is a folder; name the ZIP file to write.", path=out))
    if not out_path.parent.resolve().is_dir():
        raise click.ClickException(_("--out: the folder %(folder)s does not exist.", folder=out_path.parent))
    with click.progressbar(length=100, label=_("exporting %(name)s", name=organization.name),
                           file=sys.stderr) as bar:
        state = {"done": 0}

        def progress(percent: int, message: str) -> None:
            bar.label = message
            bar.update(max(0, percent - state["done"]))
            state["done"] = max(state["done"], percent)

        try:
            counts, size = write_zip(organization.id, out_path, progress)
        except OSError as exc:
            raise click.ClickException(_("--out: could not write %(path)s: %(error)s", path=out,
                                           error=exc.strerror or exc)) from None
        bar.update(100 - state["done"])
    click.echo(_("wrote %(path)s: %(rows)s rows in %(tables)s tables, %(bytes)s bytes", path=out_path,
                 rows=f"{sum(counts.values()):,}", tables=len(counts), bytes=f"{size:,}"))
