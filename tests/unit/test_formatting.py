"""French formats users read (no app needed)."""

from datetime import date, datetime

import pytest

from gic.formatting import (
    NBSP,
    french_spacing,
    hours_minutes,
    long_date,
    long_datetime,
    numero,
    quoted,
)


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


def test_hours_minutes_with_no_break_spaces_for_pages():
    assert hours_minutes(3090, NBSP) == "51\u00a0h\u00a030"
    assert hours_minutes(41_701_990, NBSP) == "695\u202f033\u00a0h\u00a010"
    assert hours_minutes(3090) == "51 h 30"  # exports and e-mails keep plain spaces


def test_numero_and_quoted():
    assert numero(12) == "n°\u00a012"
    assert quoted("Parc") == "«\u00a0Parc\u00a0»"


@pytest.mark.parametrize(("text", "expected"), [
    ("Il reste 300 min (5 h 00).", "Il reste 300 min (5\u00a0h\u00a000)."),
    ("le plafond de 35 h facturables", "le plafond de 35\u00a0h facturables"),
    ("Demande n° 12, N° 3", "Demande n°\u00a012, N°\u00a03"),
    ("Remettre en « prévue »", "Remettre en «\u00a0prévue\u00a0»"),
    ("«prévue»", "«\u00a0prévue\u00a0»"),
    ('<a href="/x">n° 3</a>', '<a href="/x">n°\u00a03</a>'),
    ("2 heures, 3 hommes, 12 h30", "2 heures, 3 hommes, 12\u00a0h30"),
    ("déjà «\u00a0fait\u00a0»", "déjà «\u00a0fait\u00a0»"),
])
def test_french_spacing(text, expected):
    assert french_spacing(text) == expected
