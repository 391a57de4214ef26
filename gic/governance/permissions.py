"""Who governs the groupement (SPEC §1, issue 15): its coordination opens and
withdraws the membership and renewal procedures, writes the card and the
convention's versions; the directors of the member establishments (or their
stand-ins in force, :func:`gic.standins.access.directs`) follow and vote.
``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_coordinator
from gic.standins.access import directs

COORDINATOR_ONLY = lazy_gettext("Seule la coordination du groupement ouvre ou retire une procédure.")
VOTERS_ONLY = lazy_gettext("Seules les directions des établissements membres votent.")


def _voter(user: User, _obj: object = None) -> bool:
    """A member establishment's director, or his stand-in in force."""
    return directs(user, user.establishment_id)


def _follower(user: User, _obj: object = None) -> bool:
    return is_coordinator(user) or (user.establishment is not None
                                    and user.establishment.is_member and _voter(user))


RULES = {
    "follow": (_follower,
               lazy_gettext("Les procédures d'adhésion et de renouvellement sont suivies par la "
                            "coordination et les directions des établissements membres.")),
    "vote": (_voter, VOTERS_ONLY),
    "manage_procedures": (is_coordinator, COORDINATOR_ONLY),
    "edit_card": (is_coordinator,
                  lazy_gettext("Seule la coordination du groupement modifie sa carte d'identité.")),
    "edit_versions": (is_coordinator,
                      lazy_gettext("Seule la coordination du groupement modifie les paramètres de la "
                                   "convention.")),
}
