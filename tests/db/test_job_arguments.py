"""A job's arguments as stored on its JobStatus row (app/background/arguments.py): what every kind takes comes
back equal, so the row can rebuild the job when Redis lost it; what has no stored form gives None."""
from __future__ import annotations

import json

from app.background import arguments
from app.notifications.mail import Outgoing


def test_every_argument_a_job_takes_comes_back_equal_through_json():
    args = (42, "dashboard:org:7", True, None, 1.5, {"kind": "echo", "older_than": "7"},
            Outgoing("a@example.com", "Reset", "https://x/reset/t", None))
    stored = json.loads(json.dumps(arguments.encode(args)))  # what the database column holds
    assert arguments.decode(stored) == args


def test_an_argument_without_a_stored_form_gives_none():
    assert arguments.encode((object(),)) is None
    assert arguments.encode(({1: "non-string key"},)) is None


def test_only_registered_classes_are_rebuilt():
    import pytest

    with pytest.raises(arguments.Unencodable):
        arguments.decode([{arguments.TAG: "os.system", "fields": {"command": "true"}}])
