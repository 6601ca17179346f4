import click


@click.command("seed")
def seed_command():
    """Create demo or bulk data."""
