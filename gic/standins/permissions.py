"""Who names a stand-in (issue 13): an active director of an establishment, never
the coordination on his behalf. Who acts for a director is
:func:`gic.standins.access.directs`. ``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_director

NAMERS_ONLY = (lazy_gettext("Seule la direction d'un établissement désigne sa suppléance (la "
                            "coordination ne le fait pas à sa place)."))


def _namer(user: User, _obj: object = None) -> bool:
    return is_director(user) and user.active


RULES = {
    "name": (_namer, NAMERS_ONLY),
}
