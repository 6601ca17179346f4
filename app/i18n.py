"""Languages (issue 24): which language a page, an e-mail or a CLI message speaks, in one place.

A page speaks the person's chosen language (Settings), else the best their browser asks for
(Accept-Language), else English. An e-mail or in-app notice, made by a job with no browser in sight,
speaks its recipient's: their choice, else the language their browser asked for when last signed in.
The CLI speaks TIMEBOARD_LANGUAGE, else the shell's LC_ALL / LC_MESSAGES / LANG.
Catalogs live in app/translations/<code>/LC_MESSAGES/messages.po; bin/setup compiles them (.mo).
"""
from __future__ import annotations

from contextlib import AbstractContextManager

from flask import Flask, current_app, has_app_context, has_request_context, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel, LazyString, force_locale, get_locale, refresh
from flask_login import current_user

# The languages Timeboard speaks: code -> its own name (how the settings list shows it).
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
DEFAULT = "en"

babel = Babel()


def supported(code: str | None) -> str | None:
    """A language code ("de", "de-AT", "de_DE.UTF-8") as one Timeboard speaks, or None."""
    base = (code or "").replace("_", "-").split(".")[0].split("-")[0].strip().lower()
    return base if base in LANGUAGES else None


def browser_language() -> str | None:
    """The best language of ours the request's Accept-Language asks for, or None."""
    if not has_request_context():
        return None
    return request.accept_languages.best_match(list(LANGUAGES))


def language_of(user) -> str:
    """The language to write to `user` in when they are not the one asking (an e-mail, a notice)."""
    return supported(getattr(user, "language", None)) or supported(getattr(user, "browser_language", None)) or DEFAULT


def shell_language() -> str:
    """The CLI's language (CLI_LANGUAGE, app/config.py: TIMEBOARD_LANGUAGE, else LC_ALL / LC_MESSAGES / LANG)."""
    return (supported(current_app.config.get("CLI_LANGUAGE")) if has_app_context() else None) or DEFAULT


def select_locale() -> str:
    if not has_request_context():
        return shell_language()
    if request.blueprint == "api":
        return DEFAULT  # the REST API answers scripts: its messages stay English whoever asks
    chosen = getattr(current_user, "language", None) if current_user and current_user.is_authenticated else None
    return supported(chosen) or browser_language() or DEFAULT


def select_timezone() -> str | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.time_zone
    return None


def speaking_to(user) -> AbstractContextManager:
    """`with speaking_to(user):` renders an e-mail, a notice or a PDF in `user`'s language."""
    return force_locale(language_of(user))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Flask-Babel keeps the language on `g`; a request inside an app context already pushed (a test's, a CLI
    # command's) must still choose its own.
    app.before_request(refresh)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, page_language=page_language)
    app.json = JSONProvider(app)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, which also writes a lazy message (a form's label or error, `_l`) as its text."""

    @staticmethod
    def default(o):
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)


def page_language() -> str:
    """The language this page speaks, for <html lang> (and for a page's topics, app/live/streams.py)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT
