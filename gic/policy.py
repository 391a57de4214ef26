"""One permission policy: ``can(user, "area.action", obj)`` (issue 17, item 2).

Each area declares who may do what in its own ``permissions.RULES``:
``{action: (predicate(user, obj), French refusal)}``. This module merges the
tables, registered below by explicit import, under the area's name
(``intervention.accept``, ``billing.close``, ``meeting.manage``…). Services call
:func:`authorize` (a :class:`~gic.errors.Forbidden` with the rule's message),
pages and templates :func:`can` (a Jinja global), the authorization matrix's
cross-check reads :data:`RULES`: a rule changes in one place.

An unknown action is a ``KeyError``: a typo fails loudly rather than refusing
(or allowing) in silence. The area tables import only their models, the role
tests of :mod:`gic.roles` and :func:`gic.standins.access.directs`, never this
module: no import cycle (tests/unit/test_wiring.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gic.admin import permissions as admin
from gic.audit import permissions as audit
from gic.billing import permissions as billing
from gic.calendar import permissions as calendar
from gic.equipment import permissions as equipment
from gic.errors import Forbidden
from gic.exchanges import permissions as exchanges
from gic.governance import permissions as governance
from gic.interventions import permissions as interventions
from gic.meetings import permissions as meetings
from gic.ordered import permissions as ordered
from gic.reports import permissions as reports
from gic.secondments import permissions as secondments
from gic.standins import permissions as standins
from gic.techfiles import permissions as techfiles
from gic.trainings import permissions as trainings

Rule = tuple[Callable[[Any, Any], bool], Any]  # (predicate, lazy_gettext message)

# Area name (the actions' prefix) -> its table.
AREAS: dict[str, Mapping[str, Rule]] = {
    "admin": admin.RULES,
    "audit": audit.RULES,
    "billing": billing.RULES,
    "calendar": calendar.RULES,
    "equipment": equipment.RULES,
    "exchange": exchanges.RULES,
    "governance": governance.RULES,
    "intervention": interventions.RULES,
    "meeting": meetings.RULES,
    "ordered": ordered.RULES,
    "report": reports.RULES,
    "secondment": secondments.RULES,
    "standin": standins.RULES,
    "techfile": techfiles.RULES,
    "training": trainings.RULES,
}

RULES: dict[str, Rule] = {f"{area}.{action}": rule
                          for area, table in AREAS.items() for action, rule in table.items()}


def can(user, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (on ``obj``). Nobody anonymous may do
    anything; an unknown action raises ``KeyError``."""
    allowed, _ = RULES[action]
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(allowed(user, obj))


def refusal_message(action: str) -> str:
    """The message of ``action``'s rule, in the reader's language (for a refusal shown
    before any check)."""
    return str(RULES[action][1])


def authorize(user, action: str, obj: Any = None) -> None:
    """Raise :class:`Forbidden` with the rule's French message unless :func:`can`."""
    if not can(user, action, obj):
        raise Forbidden(RULES[action][1])
