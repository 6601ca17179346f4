"""`flask gateway [--host H] [--port N] [--processes N]`: the stream gateway (app/live/gateway)."""
from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import gettext as _
from prometheus_client import multiprocess

from app.live.gateway.processes import supervise
from app.live.gateway.server import run

BIND_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)


@click.command("gateway")
@click.option("--host", default=None, help="Address to bind (default: GATEWAY_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: GATEWAY_PORT, 5100).")
@click.option("--processes", type=click.IntRange(0, 64), default=None,
              help="Gateway processes sharing the port, so a broadcast uses every core (default: GATEWAY_PROCESSES, "
                   "1; 0: one per core).")
@click.option("--fd", type=int, default=None, hidden=True, help="Serve on this inherited listening socket.")
@with_appcontext
def gateway_command(host: str | None, port: int | None, processes: int | None, fd: int | None):
    """Serve the pages' /turbo-stream sockets (plus /healthz and /metrics) from asyncio processes."""

    app = current_app._get_current_object()
    host, port = host or app.config["GATEWAY_HOST"], port or app.config["GATEWAY_PORT"]
    processes = app.config["GATEWAY_PROCESSES"] if processes is None else processes
    processes = processes or os.cpu_count() or 1
    logging.getLogger("websockets").setLevel(logging.WARNING)  # not a line per connection at 10,000 sockets
    if fd is None and processes > 1:
        info = click.get_current_context().find_object(ScriptInfo)
        try:
            supervise(info.app_import_path if info else None, host, port, processes,
                      app.config["PROMETHEUS_MULTIPROC_DIR"])
        except OSError as exc:  # the port is taken, or not ours to bind
            raise click.ClickException(_("cannot listen on %(host)s:%(port)s: %(error)s", host=host, port=port,
                                         error=exc.strerror or exc)) from None
        return
    try:
        sock = socket.socket(fileno=fd) if fd is not None else None
    except OSError as exc:
        raise click.ClickException(_("--fd %(fd)s is not an open socket (%(error)s)", fd=fd,
                                     error=exc.strerror or exc)) from None
    try:
        asyncio.run(run(app, host, port, sock))
    except OSError as exc:
        if exc.errno not in BIND_ERRORS:
            raise
        raise click.ClickException(_("cannot listen on %(host)s:%(port)s: %(error)s", host=host, port=port,
                                     error=exc.strerror or exc)) from None
    finally:
        mark_metrics_process_dead(app.config["PROMETHEUS_MULTIPROC_DIR"])


def mark_metrics_process_dead(multiproc_dir: str) -> None:
    """Multiprocess metrics: this gateway's open sockets no longer count (app/observability/instruments.py)."""
    if multiproc_dir:
        multiprocess.mark_process_dead(os.getpid())
