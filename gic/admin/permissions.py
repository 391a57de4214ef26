"""Who administers the groupement (SPEC §1): its coordination manages people and
establishments and writes their billing identity, which its accounting reads.

``RULES`` maps an action to ``(predicate(user, obj), French refusal)``; the policy
(:mod:`gic.policy`) reads it as ``admin.<action>``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.roles import is_coordinator, reads_groupement

MANAGE_REFUSAL = lazy_gettext("Réservé à la coordination du groupement.")

RULES = {
    "manage": (is_coordinator, MANAGE_REFUSAL),
    "read_identity": (reads_groupement,
                      lazy_gettext("Réservé à la coordination et à la comptabilité du groupement.")),
    "edit_identity": (is_coordinator, MANAGE_REFUSAL),
}
