"""The one check every area makes before an establishment takes part in the
groupement's work (interventions, loans, secondments…): it must be a member.

A candidate (created directly by the coordinator after the groupement was set
up, SPEC §7) waits for the member directors' approval (unanimity, or their
weighted vote under the ordered-hours model, :mod:`gic.governance`); a candidate
refused stays out. Imports nothing but the core models, so any service can use it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.errors import RuleRefused
from gic.models import Establishment, MembershipStatus

NOT_MEMBER = {
    MembershipStatus.CANDIDATE: lazy_gettext(
        "%(name)s n'est pas encore membre du groupement : son adhésion attend le vote des "
        "directions des établissements membres."),
    MembershipStatus.NOT_ADMITTED: lazy_gettext(
        "%(name)s n'est pas membre du groupement : son adhésion a été refusée."),
}


def check_members(*establishments: Establishment, field: str | None = None) -> None:
    """Refuse (409) when one of ``establishments`` is not a member of its groupement."""
    for e in establishments:
        if e.status != MembershipStatus.MEMBER:
            raise RuleRefused(str(NOT_MEMBER[e.status]) % {"name": e.name},
                              code="not_member", field=field)
