"""Report date presets (weeks start on the organization's week_start), rounding and grouping rules."""
from __future__ import annotations

from datetime import date

import pytest

from app.reports.grouping import format_hours, week_of
from app.reports.params import ReportParams, preset_dates
from app.reports.query import round_seconds

THU = date(2026, 1, 8)  # a Thursday


@pytest.mark.parametrize("preset, week_start, expected", [
    ("this_week", 0, (date(2026, 1, 5), date(2026, 1, 11))),  # Monday to Sunday
    ("this_week", 6, (date(2026, 1, 4), date(2026, 1, 10))),  # Sunday to Saturday
    ("last_week", 0, (date(2025, 12, 29), date(2026, 1, 4))),
    ("last_week", 6, (date(2025, 12, 28), date(2026, 1, 3))),
    ("this_month", 0, (date(2026, 1, 1), date(2026, 1, 31))),
    ("last_month", 0, (date(2025, 12, 1), date(2025, 12, 31))),  # across the new year
    ("this_year", 0, (date(2026, 1, 1), date(2026, 12, 31))),
])
def test_presets(preset, week_start, expected):
    assert preset_dates(preset, THU, week_start) == expected


def test_a_sunday_is_the_first_day_of_its_week_when_weeks_start_on_sunday():
    sunday = date(2026, 1, 11)
    assert preset_dates("this_week", sunday, 6)[0] == sunday
    assert preset_dates("this_week", sunday, 0)[0] == date(2026, 1, 5)
    assert week_of(sunday, 6) == sunday and week_of(sunday, 0) == date(2026, 1, 5)


def test_last_month_of_march_is_february_of_a_leap_year():
    assert preset_dates("last_month", date(2028, 3, 31)) == (date(2028, 2, 1), date(2028, 2, 29))


def test_a_relative_definition_resolves_to_the_new_dates_and_custom_stays():
    saved = ReportParams(organization_id=1, range="last_month")
    assert saved.resolved(date(2026, 12, 3)).date_from == "2026-11-01"
    assert saved.resolved(date(2027, 1, 3)).date_to == "2026-12-31"
    custom = ReportParams(organization_id=1, range="custom", date_from="2026-01-01", date_to="2026-01-02")
    assert custom.resolved(date(2027, 1, 3)).date_from == "2026-01-01"


@pytest.mark.parametrize("seconds, mode, minutes, expected_minutes", [
    (7 * 60, "up", 15, 15), (7 * 60, "down", 15, 0), (7 * 60, "nearest", 15, 0), (8 * 60, "nearest", 15, 15),
    (7 * 60 + 30, "nearest", 15, 15),  # exactly half a step: up
    (61 * 60, "up", 6, 66), (61 * 60, "nearest", 6, 60), (61 * 60 + 1, "up", 1, 62), (3599, "down", 60, 0),
    (0, "up", 30, 0),
])
def test_rounding(seconds, mode, minutes, expected_minutes):
    assert round_seconds(seconds, mode, minutes) == expected_minutes * 60


def test_no_rounding_keeps_the_seconds_and_hours_read_either_way():
    assert round_seconds(3725, "none", 15) == 3725
    assert format_hours(3725, "hmm") == "1:02" and format_hours(3725, "decimal") == "1.03"
    assert format_hours(100 * 3600, "hmm") == "100:00"
