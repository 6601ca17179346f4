"""WTForms filters and coercions shared by every form."""
from __future__ import annotations


def strip(value):
    return value.strip() if isinstance(value, str) else value


def int_or_none(value):
    """Coerce a select's value; garbage becomes None so the field's own message explains it."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
