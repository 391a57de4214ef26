"""Who reads and keeps the equipment register (axis 5): the staff of an
establishment its own loans and donations, the coordination all of the
groupement's (read only); the staff of the lending establishment records them.
``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_coordinator, is_staff

READ_REFUSAL = (lazy_gettext("Le registre du matériel est réservé aux équipes des établissements et à "
                             "la coordination du groupement."))
RECORD_REFUSAL = (lazy_gettext("Seuls les techniciens et directeurs d'un établissement enregistrent un "
                               "prêt ou un don de leur établissement ; la coordination consulte le registre."))
LENDER_REFUSAL = lazy_gettext("Seul l'établissement prêteur (ou donateur) modifie ce mouvement.")
RETURN_REFUSAL = lazy_gettext("Seul l'établissement prêteur enregistre le retour du matériel.")


def _reader(user: User, _obj: object = None) -> bool:
    return is_staff(user) or is_coordinator(user)


def _lender_staff(user: User, m) -> bool:
    """A technician or director of the establishment the item left."""
    return is_staff(user) and user.establishment_id == m.from_id


RULES = {
    "read": (_reader, READ_REFUSAL),
    "read_all": (is_coordinator, READ_REFUSAL),
    "record": (is_staff, RECORD_REFUSAL),
    "lend": (_lender_staff, LENDER_REFUSAL),
    "record_return": (_lender_staff, RETURN_REFUSAL),
}
