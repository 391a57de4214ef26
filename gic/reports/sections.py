"""The bilan's sections from the other areas of the convention (SPEC §5):
secondments, equipment, trainings, exchanges, technical files, governance.

Each area computes its own part with a fixed number of grouped queries
(``bilan_section(groupement_id, year)``, JSON-ready) and renders it with its
``templates/<area>/_bilan.html`` partial; this module only gathers them, so
the bilan's snapshot holds them and the page, the PDF and the API read them.
"""

from __future__ import annotations

import importlib
from typing import Any

# (key in the bilan's "sections", module holding bilan_section), in page order.
SECTIONS = (
    ("secondments", "gic.secondments.queries"),
    ("equipment", "gic.equipment.queries"),
    ("trainings", "gic.trainings.services"),
    ("exchanges", "gic.exchanges.services"),
    ("techfiles", "gic.techfiles.queries"),
    ("governance", "gic.governance.services"),
)


def compute_sections(groupement_id: int, year: int) -> dict[str, Any]:
    """Every area's section of the bilan of ``year``, by key."""
    return {key: importlib.import_module(module).bilan_section(groupement_id, year)
            for key, module in SECTIONS}
