"""The file: decode it, read its header, detect (or take) its format, and yield each data line as a Row or a
RowError, with an external id: the format and a stable hash of the line's cells (and how many identical lines came
before it), so the same file read again gives the same ids and an import of it twice creates nothing new."""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, replace
from datetime import timedelta, tzinfo
from types import ModuleType

from flask_babel import gettext as _

from app.imports.formats import clockify, generic, harvest, solidtime, toggl
from app.imports.formats.common import Context
from app.imports.rows import FileProblem, Row, RowError
from app.models.time_log import DESCRIPTION_MAX

FORMATS: dict[str, ModuleType] = {"toggl": toggl, "clockify": clockify, "harvest": harvest,
                                  "solidtime": solidtime, "generic": generic}
MAX_ROWS = 50_000
MAX_ENTRY = timedelta(hours=24)


@dataclass
class Parsed:
    format: str
    header: list[str]
    rows: list[Row | RowError]


def decode(data: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped); FileProblem for anything else or for binary content."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(_("The file is not UTF-8 text: export it again as CSV (UTF-8).")) from None
    if "\x00" in text:
        raise FileProblem(_("The file holds binary data (NUL bytes): it is not a CSV export."))
    return text


def header_of(text: str) -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(text), delimiter=_delimiter(text)), [])
    except csv.Error as exc:
        raise FileProblem(_("The file is not a readable CSV: %(error)s.", error=exc)) from None
    header = [name.strip() for name in first]
    if len([name for name in header if name]) < 2:
        raise FileProblem(_("The file has no header row of column names: it is not a CSV export."))
    return header


def detect(header: list[str]) -> str | None:
    """The format whose columns the header holds best (its required ones all present), or None."""
    names = {name.lower() for name in header}
    best, best_score = None, 0.0
    for name, module in FORMATS.items():
        if not module.COLUMNS or not all(column.lower() in names for column in module.REQUIRED):
            continue
        score = sum(column.lower() in names for column in module.COLUMNS) / len(module.COLUMNS)
        if score > best_score:
            best, best_score = name, score
    return best


def check(text: str, format_name: str | None, mapping: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The file's format and header, when its header fits that format (detected when None); else FileProblem."""
    header = header_of(text)
    chosen = format_name or detect(header)
    if chosen is None:
        raise FileProblem(_("The columns of this file match none of the known exports (Toggl Track, Clockify, "
                            "Harvest, solidtime): choose the generic CSV and say which column is which."))
    if chosen not in FORMATS:
        raise FileProblem(_("Unknown format %(format)s.", format=repr(chosen)))
    module = FORMATS[chosen]
    if chosen == "generic":
        check_mapping(header, mapping or {})
    else:
        present = set(_canonical_names(header, module).values())
        missing = [column for column in module.REQUIRED if column not in present]
        if missing:
            raise FileProblem(_("This is not a %(format)s file: it lacks the columns %(columns)s.", format=module.LABEL,
                                columns=", ".join(missing)))
    return chosen, header


def read(text: str, format_name: str | None, zone: tzinfo, mapping: dict[str, str] | None = None) -> Parsed:
    """Every data line of the file, parsed. FileProblem when the file as a whole cannot be read as that format."""
    chosen, header = check(text, format_name, mapping)
    module = FORMATS[chosen]
    canonical = dict(enumerate(header)) if chosen == "generic" else _canonical_names(header, module)
    context = Context(zone=zone, mapping=check_mapping(header, mapping or {}) if chosen == "generic" else {})
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    next(reader)
    rows: list[Row | RowError] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise FileProblem(_("The file has more than %(max)s rows: split it into smaller files.",
                                    max=f"{MAX_ROWS:,}"))
            record = {canonical.get(i, header[i] if i < len(header) else ""): cell
                      for i, cell in enumerate(cells)}
            digest = hashlib.sha256("\x1f".join(cell.strip() for cell in cells).encode()).hexdigest()[:24]
            seen[digest] = seen.get(digest, 0) + 1
            try:
                row = module.parse(line, record, context)
            except ValueError as exc:
                rows.append(RowError(line, str(exc)))
                continue
            problem = _problem(row)
            rows.append(RowError(line, problem) if problem else
                        replace(row, external_id=f"{chosen}:{digest}:{seen[digest]}"))
    except csv.Error as exc:
        raise FileProblem(_("The file is not a readable CSV (line %(line)s): %(error)s.", line=reader.line_num,
                            error=exc)) from None
    return Parsed(chosen, header, rows)


def _problem(row: Row) -> str | None:
    """What Timeboard refuses of an entry whatever its format (the rules of app/time_tracking/entries.py)."""
    if row.end <= row.start:
        return _("the entry ends before it starts")
    if row.end - row.start > MAX_ENTRY:
        return _("the entry is longer than 24 hours")
    if len(row.description) > DESCRIPTION_MAX:
        return _("the description is longer than %(max)s characters", max=DESCRIPTION_MAX)
    if not row.project:
        return _("the row names no project")
    return None


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _canonical_names(header: list[str], module: ModuleType) -> dict[int, str]:
    """Column position -> the format's own spelling of that column (headers are matched case-insensitively)."""
    spelled = {column.lower(): column for column in (*module.COLUMNS, "Email")}
    return {i: spelled.get(name.lower(), name) for i, name in enumerate(header)}


def check_mapping(header: list[str], mapping: dict[str, str]) -> dict[str, str]:
    mapping = {name: column for name, column in mapping.items() if name in generic.FIELDS and column}
    unknown = [column for column in mapping.values() if column not in header]
    if unknown:
        raise FileProblem(_("The file has no column named %(columns)s.", columns=", ".join(repr(c) for c in unknown)))
    missing = [name for name in generic.REQUIRED_FIELDS if name not in mapping]
    if missing:
        raise FileProblem(_("Choose the column of: %(fields)s.", fields=", ".join(missing)))
    if "start" not in mapping and not ("date" in mapping and "duration" in mapping):
        raise FileProblem(_("Choose a start column, or a date and a duration column."))
    if "start" in mapping and "end" not in mapping and "duration" not in mapping:
        raise FileProblem(_("Choose an end column or a duration column."))
    return mapping
