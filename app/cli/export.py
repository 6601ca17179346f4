"""`flask export organization ORG_ID --out FILE.zip`: a full export of an organization in the foreground, with a
progress bar, for scripts and backups. The same ZIP as the export job (app.organizations.exports.write_zip),
without an Export record."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

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
        raise click.ClickException(f"ORG_ID must be a number, not {org_id!r}.") from None
    organization = db.session.get(Organization, organization_id) if 0 < organization_id < 2**63 else None
    if organization is None:
        raise click.ClickException(f"No organization {org_id}.")
    out_path = Path(out)
    if out_path.is_dir():
        raise click.ClickException(f"--out: {out} is a folder; name the ZIP file to write.")
    if not out_path.parent.resolve().is_dir():
        raise click.ClickException(f"--out: the folder {out_path.parent} does not exist.")
    with click.progressbar(length=100, label=f"exporting {organization.name}",
                           file=sys.stderr) as bar:
        state = {"done": 0}

        def progress(percent: int, message: str) -> None:
            bar.label = message
            bar.update(max(0, percent - state["done"]))
            state["done"] = max(state["done"], percent)

        try:
            counts, size = write_zip(organization.id, out_path, progress)
        except OSError as exc:
            raise click.ClickException(f"--out: could not write {out}: {exc.strerror or exc}") from None
        bar.update(100 - state["done"])
    click.echo(f"wrote {out_path}: {sum(counts.values()):,} rows in {len(counts)} tables, {size:,} bytes")
