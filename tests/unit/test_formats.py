"""Dates, numbers and durations in the reader's language (issue 24, app/formats.py): English exactly as before,
other languages with their own names and separators, from Babel's CLDR data."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import force_locale

from app import formats, i18n
from app.config import load_config


@pytest.fixture(scope="module")
def app():
    app = Flask(__name__)
    i18n.init_app(app)
    return app


@pytest.mark.parametrize(("code", "day", "amount"), [
    ("en", "Mon 07 Dec 2026, Monday 07 December", "1,234.50"),
    ("de", "Mo. 07 Dez. 2026, Montag 07 Dezember", "1.234,50"),
    ("fr", "lun. 07 déc. 2026, lundi 07 décembre", "1\u202f234,50"),
    ("es", "lun 07 dic 2026, lunes 07 diciembre", "1.234,50"),
])
def test_names_and_separators_follow_the_language(app, code, day, amount):
    with app.app_context(), force_locale(code):
        assert formats.strftime(date(2026, 12, 7), "%a %d %b %Y, %A %d %B") == day
        assert formats.number(Decimal("1234.5")) == amount
        assert formats.strftime(datetime(2026, 12, 7, 9, 5), "%Y-%m-%d %H:%M") == "2026-12-07 09:05"  # no names


def test_a_percent_in_a_name_free_format_and_nothing_to_show(app):
    with app.app_context(), force_locale("de"):
        assert formats.strftime(date(2026, 3, 1), "%b %%") == "März %"
        assert formats.strftime(None, "%a") == "" and formats.number(None) == ""
        assert formats.number(7, digits=0) == "7"


@pytest.mark.parametrize(("raw", "code"), [
    ("de_DE.UTF-8", "de"), ("fr-CA", "fr"), ("ES", "es"), ("en_GB", "en"), ("it_IT", None), ("", None),
    (None, None), ("C.UTF-8", None),
])
def test_language_codes_are_read_as_ours_or_none(raw, code):
    assert i18n.supported(raw) == code


@pytest.mark.parametrize(("environ", "code"), [
    ({}, "en"), ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),  # LC_ALL wins, as in gettext, and C is English
    ({"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "es_ES"}, "es"), ({"LC_ALL": "C", "TIMEBOARD_LANGUAGE": "de"}, "de"),
])
def test_the_cli_speaks_timeboard_language_else_the_shell_s(tmp_path, environ, code):
    app = Flask(__name__)
    app.config.update(load_config(str(tmp_path), environ=environ))
    i18n.init_app(app)
    with app.app_context():
        assert i18n.shell_language() == code
        assert i18n.select_locale() == code  # no request: the CLI's


def test_a_recipient_s_language_is_their_choice_else_their_browser_s():
    class Person:
        language = None
        browser_language = None
    person = Person()
    assert i18n.language_of(person) == "en"
    person.browser_language = "es"
    assert i18n.language_of(person) == "es"
    person.language = "de"
    assert i18n.language_of(person) == "de"
    person.language = "xx"  # a code we no longer offer: the browser's
    assert i18n.language_of(person) == "es"
