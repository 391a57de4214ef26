"""What a calendar feed shows (issue 14): a technician's, his own sessions only;
the others', every session they may read. ``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_technician


def _everyone_s(user: User, _obj: object = None) -> bool:
    return not is_technician(user)


RULES = {
    "all_sessions": (_everyone_s,
                     lazy_gettext("L'agenda d'un technicien ne montre que ses propres séances.")),
}
