"""`flask cleanup [--dry-run]` and `flask seeding start|stop|status`."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from app.background import recurring, seeding_switch
from app.cli.jobs import worker_connection
from app.maintenance.cleanup import RULES, run_cleanup
from app.reports import archival


@click.command("cleanup")
@click.option("--dry-run", is_flag=True, help="Print what each rule would delete; delete nothing.")
@with_appcontext
def cleanup_command(dry_run: bool):
    """Delete what has aged out (finished job records, old performance snapshots, expired reports and their
    files), rule by rule, and compress report files older than 30 days, now."""
    counts = run_cleanup(dry_run=dry_run)
    rule_line = _("%(rule)s: would delete %(count)s (%(description)s)") if dry_run else \
        _("%(rule)s: deleted %(count)s (%(description)s)")
    for rule in RULES:
        click.echo(rule_line % {"rule": rule.name, "count": counts[rule.name], "description": rule.describe()})
    archived = archival.count_archivable() if dry_run else archival.archive_old_files()
    archival_line = _("report_archival: would compress %(count)s (report files older than %(days)s days; the weekly "
                      "report_archival job does this too)") if dry_run else \
        _("report_archival: compressed %(count)s (report files older than %(days)s days; the weekly report_archival "
          "job does this too)")
    click.echo(archival_line % {"count": archived, "days": archival.ARCHIVE_AFTER.days})
    total = sum(counts.values())
    click.echo(_("dry run: nothing deleted; total would delete %(count)s", count=total) if dry_run else
               _("done; total deleted %(count)s", count=total))


@click.group("seeding", cls=AppGroup)
def seeding_group():
    """Continuous data seeding: a new organization every 5 minutes while it is on."""


def _scheduler():
    return recurring.make_scheduler(worker_connection())


@seeding_group.command("start")
def seeding_start():
    """Turn continuous seeding on (no scheduler restart needed; the first run comes within seconds)."""
    scheduler = _scheduler()
    seeding_switch.set_enabled(True)
    recurring.register(scheduler, [recurring.get_entry("data_seeding")])
    click.echo(_("seeding started: a new organization every 5 minutes (needs `flask jobs scheduler` and the "
                 "seeding worker running)"))


@seeding_group.command("stop")
def seeding_stop():
    """Turn continuous seeding off (a run already queued or running finishes)."""
    scheduler = _scheduler()
    seeding_switch.set_enabled(False)
    recurring.register(scheduler, [recurring.get_entry("data_seeding")])
    click.echo(_("seeding stopped"))


@seeding_group.command("status")
def seeding_status():
    """Say whether continuous seeding is on, why, and when it runs next."""
    enabled, why = seeding_switch.state()
    next_run = recurring.next_runs(_scheduler()).get("data_seeding")
    click.echo(_("seeding is on (%(why)s)", why=why) if enabled else _("seeding is off (%(why)s)", why=why))
    if enabled:
        click.echo(_("next run: %(when)s UTC", when=f"{next_run:%Y-%m-%d %H:%M:%S}") if next_run else
                   _("next run: not scheduled yet (is `flask jobs scheduler` running?)"))
