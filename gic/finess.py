"""FINESS numbers (the national register of health and social establishments):
their shape, checked where an establishment is created or applies to join.

Below the areas: the coordinator's services (:mod:`gic.admin.services`) and
the candidacies (:mod:`gic.governance.procedures`) both check it.
"""

from __future__ import annotations

import re

from flask_babel import gettext

from gic.errors import InvalidField

FINESS_RE = re.compile(r"^(?:\d{2}|2A|2B)\d{7}$")


def check_finess(finess: str) -> str:
    """9 characters, digits; Corsica starts with 2A or 2B."""
    finess = (finess or "").strip().upper()
    if not FINESS_RE.match(finess):
        raise InvalidField(gettext("Le numéro FINESS compte 9 caractères : des chiffres "
                           "(2A ou 2B en tête pour la Corse)."), field="finess")
    return finess
