"""Load in a worker, before it takes a job, what every job would otherwise load for itself.

A forking worker (app/background/worker.py) runs each job in a fresh fork of itself: whatever the parent has
not loaded, every job loads again (a template compiled, a language's CLDR data unpickled, the mappers configured).
Loaded once here, it is inherited by each work-horse for free; measured with bench/run.py's job rows, a user
dashboard's job in a forked horse went from about 280 ms to about 60 ms. Templates come from Jinja's bytecode cache
(create_app), so a worker starting compiles only what changed since the last one: about 30 ms in all then.
"""
from __future__ import annotations

import logging
import time

from babel import Locale
from flask import Flask
from flask_babel import force_locale, get_translations
from sqlalchemy.orm import configure_mappers
from werkzeug.utils import import_string

from app.background.catalog import KINDS
from app.i18n import LANGUAGES

log = logging.getLogger(__name__)

TEMPLATE_SUFFIXES = (".html", ".txt")


def preload(app: Flask) -> None:
    """Every job kind's code, the ORM's mappers, every template and every language; never stops a worker (a step
    that fails is logged, and the jobs load what it missed by themselves)."""
    started = time.perf_counter()
    for step in (_job_code, _templates, _languages):
        try:
            step(app)
        except Exception:  # noqa: BLE001
            log.exception("preloading the worker: %s failed", step.__name__.strip("_").replace("_", " "))
    log.info("worker preloaded in %.0f ms", (time.perf_counter() - started) * 1000)


def _job_code(app: Flask) -> None:
    for kind in KINDS.values():
        for dotted in filter(None, (kind.func, kind.follower)):
            import_string(dotted)
    configure_mappers()


def _templates(app: Flask) -> None:
    env = app.jinja_env
    for name in env.list_templates(filter_func=lambda n: n.endswith(TEMPLATE_SUFFIXES)):
        env.get_template(name)


def _languages(app: Flask) -> None:
    with app.test_request_context("/"):
        for language in LANGUAGES:
            Locale.parse(language).number_symbols  # noqa: B018 - unpickles the locale's CLDR data
            with force_locale(language):
                get_translations()
