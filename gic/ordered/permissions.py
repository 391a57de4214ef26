"""Who reads and manages the ordered hours (issue 16): the coordination manages
them; it and the accounting read every participant's figures, a director his
establishment's. ``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_coordinator, is_director, reads_groupement

COORDINATOR_ONLY = lazy_gettext("Seule la coordination du groupement gère les heures commandées.")
READERS_ONLY = (lazy_gettext("Les heures commandées sont réservées à la coordination, à la comptabilité et "
                             "aux directions."))


def _reader(user: User, _obj: object = None) -> bool:
    return reads_groupement(user) or is_director(user)


RULES = {
    "read": (_reader, READERS_ONLY),
    "read_all": (reads_groupement, READERS_ONLY),
    "manage": (is_coordinator, COORDINATOR_ONLY),
}
