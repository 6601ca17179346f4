import click


@click.command("cleanup")
def cleanup_command():
    """Delete what has aged out."""


@click.group("seeding")
def seeding_group():
    """Continuous data seeding."""
