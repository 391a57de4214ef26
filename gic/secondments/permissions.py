"""Who reads and proposes temporary secondments (SPEC §1): the coordination and
the accounting read all of the groupement's, the staff of an establishment those
it takes part in and proposes them. ``RULES``: see :mod:`gic.policy`."""

from __future__ import annotations

from flask_babel import lazy_gettext

from gic.roles import is_staff, reads_groupement

PROPOSE_REFUSAL = (lazy_gettext("Seuls les techniciens et les directions d'un établissement proposent "
                                "un détachement temporaire."))

RULES = {
    "read_all": (reads_groupement, lazy_gettext("Seules la coordination et la comptabilité lisent tous les "
                                                "détachements du groupement.")),
    "propose": (is_staff, PROPOSE_REFUSAL),
}
