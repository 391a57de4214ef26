"""Who organises the common trainings (axis 4): the coordination or a director;
the coordination or the director who organised one corrects or removes it.
``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.models import User
from gic.roles import is_coordinator, is_director

ORGANISE_REFUSAL = lazy_gettext("Une formation commune est organisée par la coordination ou une direction.")
CHANGE_REFUSAL = (lazy_gettext("Seuls la coordination et le directeur qui a organisé cette formation la "
                               "modifient ou la suppriment."))


def _organiser(user: User, _obj: object = None) -> bool:
    return is_coordinator(user) or is_director(user)


def _changer(user: User, training) -> bool:
    """The coordination, or the director who organised ``training``."""
    return is_coordinator(user) or (is_director(user) and user.id == training.organiser_id)


RULES = {
    "organise": (_organiser, ORGANISE_REFUSAL),
    "change": (_changer, CHANGE_REFUSAL),
}
