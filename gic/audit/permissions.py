"""Who reads the audit log (SPEC §6): the coordination all of the groupement, a
director what concerns his establishment. ``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_coordinator, is_director

REFUSAL = lazy_gettext("Le journal d'audit est réservé à la coordination et aux directions.")


def _reader(user: User, _obj: object = None) -> bool:
    return is_coordinator(user) or is_director(user)


RULES = {
    "read": (_reader, REFUSAL),
    "read_all": (is_coordinator, REFUSAL),
}
