"""Reading what a client sends: the JSON body (malformed: 400), and typed fields (wrong: 422 with field errors)."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask import request

from app.api.problems import ApiError
from app.web.form_filters import parse_id


def json_body() -> dict:
    """The request's JSON object; 400 for anything that is not one."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(400, "The request has no body: send a JSON object.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return data


class Fields:
    """Collects field errors while reading a body or a query; raise_if_any() answers 422 with all of them."""

    def __init__(self, data):
        self.data = data
        self.errors: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.data

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def id(self, name: str, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(name, f"{name} is required.")
            return None
        parsed = value if isinstance(value, int) and not isinstance(value, bool) else parse_id(str(value))
        if parsed is None or parsed <= 0:
            self.error(name, f"{name} must be an id (a positive integer).")
            return None
        return parsed

    def ids(self, name: str) -> list[int] | None:
        """A list of ids (None when the field is absent)."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                                                  for v in value):
            self.error(name, f"{name} must be a list of ids (positive integers).")
            return None
        return value

    def string(self, name: str, required: bool = False, max_length: int = 10_000) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(name, f"{name} is required.")
            return None
        if not isinstance(value, str):
            self.error(name, f"{name} must be a string.")
            return None
        if len(value) > max_length:
            self.error(name, f"{name} must be at most {max_length} characters.")
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.error(name, f"{name} must be true or false.")
        return None

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.error(name, f"{name} must be an integer from {low} to {high}.")
            return None
        return value

    def timestamp(self, name: str, required: bool = False) -> datetime | None:
        """An RFC 3339 date-time with an offset (or Z), as naive UTC."""
        value = self.string(name, required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.error(name, f"{name} must be a date-time with its offset, like 2026-03-01T09:30:00Z.")
            return None
        return parsed.astimezone(UTC).replace(tzinfo=None)

    def day(self, name: str) -> date | None:
        value = self.string(name)
        if value is None:
            return None
        try:
            parsed = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            parsed = None
        if parsed is None or not 1970 <= parsed.year <= 2200:
            self.error(name, f"{name} must be a date, YYYY-MM-DD.")
        return parsed

    def raise_if_any(self) -> None:
        if self.errors:
            raise ApiError(422, "Some fields are not valid.", self.errors)
