"""What every parser yields: a normalized Row (times in naive UTC) or a RowError (a line and why)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Row:
    line: int  # the file's line number (the header is line 1)
    start: datetime  # naive UTC
    end: datetime  # naive UTC
    email: str = ""  # lower case; "" when the format names people only by name
    person: str = ""  # the person's name as the file gives it
    project: str = ""
    client: str = ""
    task: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    billable: bool = True
    external_id: str = ""  # format + a stable hash of the row (reader.read sets it)

    @property
    def who(self) -> str:
        return self.email or self.person


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class FileProblem(ValueError):
    """The file as a whole cannot be read (not CSV, no header, a column missing); the message is fit to show."""
