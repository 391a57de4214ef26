"""Who reads and prepares the annual bilan (SPEC §5): every member of the
groupement reads its published versions, the coordination prepares, reads and
publishes the drafts; a director's page highlights his establishment.
``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import Role, User
from gic.roles import is_coordinator, is_director

READERS = frozenset(Role)  # every member of the groupement: published versions


def _member(user: User, _obj: object = None) -> bool:
    return user.role in READERS


RULES = {
    "read": (_member, lazy_gettext("Le bilan annuel est réservé aux membres du groupement.")),
    "read_drafts": (is_coordinator, lazy_gettext("Seule la coordination lit les brouillons du bilan annuel.")),
    "prepare": (is_coordinator, lazy_gettext("Seule la coordination peut préparer le bilan annuel.")),
    "publish": (is_coordinator, lazy_gettext("Seule la coordination peut publier le bilan annuel.")),
    "highlight_own": (is_director, lazy_gettext("Seule une direction a un établissement à mettre en avant.")),
}
