"""SIRET numbers: shape and check digit, pure (no Flask, no database).

A SIRET is 14 digits (SIREN + NIC) whose Luhn sum is a multiple of 10. La Poste's
establishments (SIREN 356 000 000) are too many for the NIC's check digit: INSEE
checks them with the plain sum of the digits, a multiple of 5 (its head office,
356 000 000 00048, keeps the Luhn rule).
"""

from __future__ import annotations

from flask_babel import gettext

LA_POSTE_SIREN = "356000000"


def normalize_siret(value: str | None) -> str:
    """The number without the spaces, dots or dashes people type between groups."""
    return "".join(ch for ch in (value or "") if ch not in " .-\u00a0\u202f")


def luhn_ok(digits: str) -> bool:
    """True when the Luhn sum of ``digits`` (every second digit from the right
    doubled) is a multiple of 10."""
    total = 0
    for position, ch in enumerate(reversed(digits)):
        n = int(ch)
        if position % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def siret_error(value: str | None) -> str | None:
    """``None`` for a valid SIRET, else the French message saying what is wrong."""
    siret = normalize_siret(value)
    if not siret:
        return gettext("Indiquez le numéro SIRET.")
    if not siret.isascii() or not siret.isdigit():
        return gettext("Le numéro SIRET ne contient que des chiffres.")
    if len(siret) != 14:
        return gettext("Le numéro SIRET compte 14 chiffres (ici %(count)s) : les 9 du SIREN "
                       "puis les 5 du NIC.", count=len(siret))
    if siret.startswith(LA_POSTE_SIREN):
        valid = luhn_ok(siret) or sum(int(ch) for ch in siret) % 5 == 0
    else:
        valid = luhn_ok(siret)
    if not valid:
        return gettext("Ce numéro SIRET n'existe pas : sa clé de contrôle est fausse "
                       "(faute de frappe ?).")
    return None
