"""Who reads and notes the exchanges and advice (axis 1): the staff of an
establishment those it gave or received, the coordination all of the groupement's;
a technician or director notes the advice he gave. ``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_coordinator, is_staff

READ_REFUSAL = (lazy_gettext("Le journal des échanges et conseils est réservé aux équipes des "
                             "établissements et à la coordination du groupement."))
LOG_REFUSAL = (lazy_gettext("Un échange se note par la personne qui a donné le conseil : un technicien "
                            "ou un directeur d'établissement."))


def _reader(user: User, _obj: object = None) -> bool:
    return is_staff(user) or is_coordinator(user)


RULES = {
    "read": (_reader, READ_REFUSAL),
    "read_all": (is_coordinator, READ_REFUSAL),
    "log": (is_staff, LOG_REFUSAL),
}
