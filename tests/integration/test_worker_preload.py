"""A worker loads, before its first job, what jobs use (app/background/preload.py): a forked work-horse inherits it
instead of compiling templates and loading languages for itself, job after job."""
from __future__ import annotations

import os
import sys
import time

from app.background.catalog import KINDS
from app.background.enqueue import enqueue
from app.background.preload import TEMPLATE_SUFFIXES, preload
from app.models import JobState, JobStatus
from tests.integration.test_job_lifecycle import wait_for


def test_preload_compiles_every_template_and_imports_every_kinds_code(app):
    env = app.jinja_env
    env.cache.clear()
    with app.app_context():
        preload(app)
    templates = env.list_templates(filter_func=lambda n: n.endswith(TEMPLATE_SUFFIXES))
    assert templates and len(env.cache) == len(templates)
    assert all(kind.func.rsplit(".", 1)[0] in sys.modules for kind in KINDS.values())
    compiled = os.path.join(app.instance_path, "templates-compiled")
    assert len(os.listdir(compiled)) >= len(templates)  # kept for the next process, by the source's checksum


def test_a_forking_worker_preloads_before_its_first_job_and_its_horses_run_them(db, start_worker):
    status = enqueue("sleep", 0)
    worker = start_worker("default")
    wait_for(db, status, lambda s: s.status == JobState.COMPLETED)
    deadline = time.monotonic() + 5
    while "worker preloaded in" not in worker.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    output = worker.output()
    assert "worker preloaded in" in output and "preloading the worker failed" not in output
    assert output.index("worker preloaded in") < output.index("Listening on")
    assert db.session.get(JobStatus, status.id).attempts == 1
