"""Dates, numbers and durations in the reader's language (issue 24), from Babel's CLDR data.

English output is what it always was (tests and people's habits rely on it: "Mon 07 Dec", "1,234.50");
another language gets its own day and month names ("Mo. 07 Dez.") and its own separators ("1.234,50").
The language is Flask-Babel's current one: the request's, or the recipient's inside `speaking_to()`.
CSV, XLSX and the API stay machine-readable and do not come through here.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from babel.dates import get_day_names, get_month_names
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _

NAMES = re.compile(r"%[aAbB]")


def language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def strftime(value: date | datetime | str | None, fmt: str) -> str:
    """`value.strftime(fmt)` with day and month names (%a %A %b %B) in the current language. `value` may be ISO text
    (a cached dashboard keeps its days and moments so, to be written in each reader's language)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    lang = language()
    if lang == "en":
        return value.strftime(fmt)

    def name(match: re.Match) -> str:
        kind = match[0][1]
        width = "wide" if kind.isupper() else "abbreviated"
        if kind in "aA":
            return get_day_names(width, locale=lang)[value.weekday()]
        return get_month_names(width, locale=lang)[value.month]

    # Names first (they hold no % of their own to fear), then the numeric directives.
    return value.strftime(NAMES.sub(lambda m: name(m).replace("%", "%%"), fmt))


def number(value: float | int | Decimal | None, digits: int = 2) -> str:
    """A number with `digits` decimals and the language's separators: 1,234.50 / 1.234,50 / 1 234,50."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=language())


def amount(value: float | int | Decimal | None, digits: int = 2) -> str:
    """An amount of money or hours with `digits` decimals, as pages and PDFs show it next to its currency code:
    English as it always was ("1234.50"), another language with its own decimal sign and grouping ("1.234,50")."""
    if value is None:
        return ""
    if language() == "en":
        return f"{Decimal(value):.{digits}f}"
    return number(value, digits)


def minutes(value: float | int | None) -> str:
    """A duration as hours and minutes: "3h 05m" (English), "3 Std. 05 Min." (German)."""
    total = int(round(value or 0))
    return _("%(hours)sh %(minutes)02dm", hours=total // 60, minutes=total % 60)
