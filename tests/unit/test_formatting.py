"""French formats users read (no app needed)."""

from datetime import date, datetime

from gic.formatting import hours_minutes, long_date, long_datetime


def test_first_of_the_month_is_1er():
    assert long_date(date(2026, 1, 1)) == "1er janvier 2026"
    assert long_date(date(2025, 3, 14)) == "14 mars 2025"
    assert long_date(date(2026, 1, 1), locale="en") == "1 January 2026"


def test_long_datetime_with_weekday():
    assert long_datetime(datetime(2026, 12, 1, 14, 0), weekday=True) == \
        "mardi 1er décembre 2026 à 14:00"


def test_hours_minutes():
    assert hours_minutes(440) == "7 h 20"
    assert hours_minutes(2100) == "35 h 00"
    assert hours_minutes(0) == "0 h 00"
