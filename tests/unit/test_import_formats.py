"""Each format's sample export (tests/data/imports/) parsed to the expected rows, in the file's time zone; the
format detected from the header; a malformed file and a bad row refused with a clear message."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.imports import reader
from app.imports.rows import FileProblem, Row, RowError

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in November
GENERIC_MAPPING = {"date": "day", "start": "from", "end": "to", "email": "who", "project": "what",
                   "client": "customer", "description": "notes", "tags": "labels", "billable": "paid"}


def parse(name: str, format_name: str | None = None, mapping=None) -> reader.Parsed:
    return reader.read(reader.decode((DATA / name).read_bytes()), format_name, BERLIN, mapping)


def essentials(row: Row) -> tuple:
    return (row.who, row.start, row.end, row.project, row.client, row.task, row.description, row.tags, row.billable)


THREE_ENTRIES = [  # the same three entries, as each tracker exports them (times: naive UTC)
    ("ada@example.com", datetime(2026, 11, 2, 8, 0), datetime(2026, 11, 2, 9, 30), "Website", "Acme Corp", "Design",
     "Homepage mockups", ("design", "client-work"), True),
    ("ben@example.com", datetime(2026, 11, 2, 9, 30), datetime(2026, 11, 2, 9, 45), "Website", "Acme Corp", "",
     "Standup", ("meeting",), False),
    ("ada@example.com", datetime(2026, 11, 3, 13, 0), datetime(2026, 11, 3, 14, 0), "Internal", "", "",
     "Reading, notes", (), False),
]


@pytest.mark.parametrize("name", ["toggl", "clockify"])
def test_toggl_and_clockify_exports_parse_to_the_entries_in_the_files_zone(name):
    parsed = parse(f"{name}.csv")
    assert parsed.format == name  # detected from the header
    assert [essentials(row) for row in parsed.rows] == THREE_ENTRIES


def test_solidtime_export_names_people_and_parses_to_the_entries():
    parsed = parse("solidtime.csv")
    assert parsed.format == "solidtime"
    names = ["Ada Lovelace", "Ben Okri", "Ada Lovelace"]
    assert [essentials(row) for row in parsed.rows] == [(n, *e[1:]) for n, e in zip(names, THREE_ENTRIES, strict=True)]


def test_harvest_entries_have_no_start_so_they_stack_from_nine_local_per_person_and_day():
    parsed = parse("harvest.csv")
    assert parsed.format == "harvest"
    assert [(r.person, r.start, r.end, r.project, r.task, r.description, r.billable) for r in parsed.rows] == [
        ("Ada Lovelace", datetime(2026, 11, 2, 8, 0), datetime(2026, 11, 2, 9, 30), "Website", "Design",
         "Homepage mockups", True),
        ("Ada Lovelace", datetime(2026, 11, 2, 9, 30), datetime(2026, 11, 2, 10, 15), "Website", "Design",
         "Homepage copy", True),
        ("Ben Okri", datetime(2026, 11, 2, 8, 0), datetime(2026, 11, 2, 8, 15), "Website", "", "Standup", False),
    ]


def test_generic_csv_reads_the_chosen_columns_and_an_offset_as_the_files_own_zone():
    parsed = parse("generic.csv", "generic", GENERIC_MAPPING)
    assert parsed.format == "generic"
    assert [essentials(row) for row in parsed.rows] == [(*e[:5], "", *e[6:]) for e in THREE_ENTRIES]


def test_generic_csv_without_the_needed_columns_says_which():
    with pytest.raises(FileProblem, match="Choose the column of: email"):
        parse("generic.csv", "generic", {"project": "what", "start": "from", "end": "to"})
    with pytest.raises(FileProblem, match="no column named 'nope'"):
        parse("generic.csv", "generic", {**GENERIC_MAPPING, "email": "nope"})


def test_external_ids_are_stable_across_reads_and_distinct_per_line():
    first, again = parse("toggl.csv"), parse("toggl.csv")
    ids = [row.external_id for row in first.rows]
    assert ids == [row.external_id for row in again.rows] and len(set(ids)) == 3
    assert all(i.startswith("toggl:") for i in ids)


def test_a_file_of_no_known_format_is_refused_with_a_clear_message():
    with pytest.raises(FileProblem, match="match none of the known exports"):
        parse("malformed.csv")
    with pytest.raises(FileProblem, match="not a Clockify .* lacks the columns Email, Start Date, Start Time"):
        parse("harvest.csv", "clockify")
    with pytest.raises(FileProblem, match="not UTF-8"):
        reader.decode("Date,Project\n\xff\xfe".encode("latin-1"))


def test_bad_rows_are_errors_with_their_line_number_and_why():
    rows = parse("bad_row.csv").rows
    assert isinstance(rows[0], Row)
    assert rows[1] == RowError(3, "start date '2026-13-45' is not a date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY)")
    assert rows[2] == RowError(4, "the entry ends before it starts")
