"""Who reads and settles the billing (SPEC §4): the accountant reads the whole
year and closes it, a director reads his establishment's pairs, the coordinator
reopens a closed year. ``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_accountant, is_coordinator, is_director

READ_REFUSAL = lazy_gettext("La facturation est réservée aux comptables et aux directions.")


def _reader(user: User, _obj: object = None) -> bool:
    return is_accountant(user) or is_director(user)


RULES = {
    "read": (_reader, READ_REFUSAL),
    "read_all": (is_accountant, READ_REFUSAL),
    "read_own": (is_director, READ_REFUSAL),
    "read_documents": (_reader,
                       lazy_gettext("Les documents de l'année sont réservés aux comptables et aux directions.")),
    "close": (is_accountant, lazy_gettext("Seul un comptable peut clôturer une année.")),
    "reopen": (is_coordinator, lazy_gettext("Seul un coordinateur peut rouvrir une année clôturée.")),
}
