"""SIRET numbers (issue 15, item 1): 14 digits, Luhn key; La Poste's establishments
(SIREN 356 000 000) use the sum of their digits, a multiple of 5."""

from __future__ import annotations

import pytest

from gic.siret import luhn_ok, normalize_siret, siret_error


@pytest.mark.parametrize("siret", [
    "73282932000074",          # Luhn
    "732 829 320 00074",       # as printed, with spaces
    "356\u00a0000\u00a0000\u00a000048",  # La Poste's head office: Luhn
    "35600000049837",          # a La Poste establishment: digits sum to 45
])
def test_valid_sirets(siret):
    assert siret_error(siret) is None


def test_la_poste_rule_is_needed():
    # Not Luhn-valid: only La Poste's rule accepts it…
    assert not luhn_ok("35600000049837")
    # …and only under La Poste's SIREN (same digits sum elsewhere: refused).
    assert siret_error("35600000049838") is not None
    assert sum(map(int, "12300000049803")) % 5 == 0 and not luhn_ok("12300000049803")
    assert siret_error("12300000049803") is not None


@pytest.mark.parametrize("siret, words", [
    ("", "Indiquez le numéro SIRET"),
    (None, "Indiquez le numéro SIRET"),
    ("7328293200007", "14 chiffres (ici 13)"),
    ("732829320000740", "14 chiffres (ici 15)"),
    ("7328293200007A", "que des chiffres"),
    ("73282932OOOO74", "que des chiffres"),
    ("٧٣٢٨٢٩٣٢٠٠٠٠٧٤", "que des chiffres"),  # Arabic-Indic digits are not ASCII
    ("73282932000075", "clé de contrôle est fausse"),
    ("12345678901234", "clé de contrôle est fausse"),
])
def test_refusals_say_why_in_french(siret, words):
    assert words in siret_error(siret)


def test_normalize_drops_separators_only():
    assert normalize_siret(" 732.829.320-00074 ") == "73282932000074"
    assert normalize_siret(None) == ""
