"""Who a person is in the groupement: the role tests the areas' permission tables
are built from (SPEC §1). Each takes the rule's object and ignores it, so that a
table may name it as a rule's predicate.

Only the tables (``gic/<area>/permissions.py``) use these; services, views and
templates ask :func:`gic.policy.can` what a person may do, never his role
(``tests/unit/test_policy.py`` greps for role comparisons elsewhere).
"""

from __future__ import annotations

from gic.models import Role, User


def is_coordinator(user: User, _obj: object = None) -> bool:
    """The groupement's coordination."""
    return user.role == Role.COORDINATOR


def is_accountant(user: User, _obj: object = None) -> bool:
    """The groupement's accounting."""
    return user.role == Role.ACCOUNTANT


def is_technician(user: User, _obj: object = None) -> bool:
    """A technician (attached to an establishment or not)."""
    return user.role == Role.TECHNICIAN


def is_director(user: User, _obj: object = None) -> bool:
    """A director attached to an establishment (his own name, not a stand-in's:
    :func:`gic.standins.access.directs` says who acts for a director)."""
    return user.role == Role.DIRECTOR and user.establishment_id is not None


def is_staff(user: User, _obj: object = None) -> bool:
    """A technician or director attached to an establishment."""
    return user.role in (Role.TECHNICIAN, Role.DIRECTOR) and user.establishment_id is not None


def reads_groupement(user: User, _obj: object = None) -> bool:
    """Coordination and accounting: they read the whole groupement's work."""
    return user.role in (Role.COORDINATOR, Role.ACCOUNTANT)
