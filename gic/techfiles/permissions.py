"""Who may change an establishment's technical file and read its read log
(SPEC §7): its own technicians and director change it, its director reads the
log; a technician may be opened another establishment's file by an intervention
assigned to him (:mod:`gic.techfiles.access` computes it); the coordination sees
how complete each member's file is. ``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import Establishment, User
from gic.roles import is_coordinator, is_director, is_staff, is_technician


def _own_staff(user: User, establishment: Establishment) -> bool:
    return is_staff(user) and user.establishment_id == establishment.id


def _own_director(user: User, establishment: Establishment) -> bool:
    return is_director(user) and user.establishment_id == establishment.id


RULES = {
    "edit": (_own_staff, lazy_gettext("Seuls la direction et les techniciens d'un établissement modifient "
                                      "son dossier technique.")),
    "read_log": (_own_director, lazy_gettext("Cette page est réservée à la direction de l'établissement.")),
    "visit": (is_technician, lazy_gettext("Seul un technicien affecté à une intervention acceptée consulte "
                                          "le dossier technique d'un autre établissement.")),
    "overview": (is_coordinator, lazy_gettext("Seule la coordination suit l'avancement des dossiers "
                                              "techniques de tous les membres.")),
}
