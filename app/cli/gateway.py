"""`flask gateway [--host H] [--port N]`: the stream gateway process (app/live/gateway)."""
from __future__ import annotations

import asyncio
import logging
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from prometheus_client import multiprocess

from app.live.gateway.server import run


@click.command("gateway")
@click.option("--host", default=None, help="Address to bind (default: GATEWAY_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: GATEWAY_PORT, 5100).")
@with_appcontext
def gateway_command(host: str | None, port: int | None):
    """Serve the pages' /turbo-stream sockets (plus /healthz and /metrics) from one asyncio process."""

    app = current_app._get_current_object()
    logging.getLogger("websockets").setLevel(logging.WARNING)  # not a line per connection at 10,000 sockets
    try:
        asyncio.run(run(app, host or app.config["GATEWAY_HOST"], port or app.config["GATEWAY_PORT"]))
    finally:
        mark_metrics_process_dead(app.config["PROMETHEUS_MULTIPROC_DIR"])


def mark_metrics_process_dead(multiproc_dir: str) -> None:
    """Multiprocess metrics: this gateway's open sockets no longer count (app/observability/instruments.py)."""
    if multiproc_dir:
        multiprocess.mark_process_dead(os.getpid())
