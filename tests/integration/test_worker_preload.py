"""A worker loads, before its first job, what jobs use (app/background/preload.py): a forked work-horse inherits it
instead of compiling templates and loading languages for itself, job after job."""
from __future__ import annotations

import sys
import time

from flask_babel import get_domain

from app.background.catalog import KINDS
from app.background.enqueue import enqueue
from app.background.preload import TEMPLATE_SUFFIXES, preload
from app.i18n import LANGUAGES
from app.models import JobState, JobStatus
from tests.integration.test_job_lifecycle import wait_for


def test_preload_compiles_every_template_loads_every_language_and_imports_every_kinds_code(app, tmp_path):
    env = app.jinja_env
    kept = env.bytecode_cache
    env.bytecode_cache = type(kept)(str(tmp_path))  # a cache of this test's own, empty
    env.cache.clear()
    try:
        with app.app_context():
            domain = get_domain()
            domain.cache.clear()
            preload(app)
            loaded = {locale for locale, _ in domain.cache}
    finally:
        env.bytecode_cache = kept
    templates = env.list_templates(filter_func=lambda n: n.endswith(TEMPLATE_SUFFIXES))
    assert templates and len(env.cache) == len(templates)
    assert len(list(tmp_path.iterdir())) == len(templates)  # kept compiled for the next process
    assert set(LANGUAGES) <= loaded, loaded
    assert all(kind.func.rsplit(".", 1)[0] in sys.modules for kind in KINDS.values())


def test_a_template_cache_that_cannot_be_written_only_costs_a_compile(app, tmp_path):
    env = app.jinja_env
    kept = env.bytecode_cache
    env.bytecode_cache = type(kept)(str(tmp_path / "gone"))  # no such folder: every write fails
    env.cache.clear()
    try:
        assert env.get_template("errors/error.html").filename.endswith("error.html")  # compiled, not kept
    finally:
        env.bytecode_cache = kept
        env.cache.clear()


def test_a_forking_worker_preloads_before_its_first_job_and_its_horses_run_them(db, start_worker):
    status = enqueue("sleep", 0)
    worker = start_worker("default")
    wait_for(db, status, lambda s: s.status == JobState.COMPLETED)
    deadline = time.monotonic() + 5
    while "worker preloaded in" not in worker.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    output = worker.output()
    assert "worker preloaded in" in output and "preloading the worker:" not in output
    assert output.index("worker preloaded in") < output.index("Listening on")
    assert db.session.get(JobStatus, status.id).attempts == 1
