"""The bilan's sections from the other areas of the convention (SPEC §5):
secondments, equipment, trainings, exchanges, technical files, governance.

Each area computes its own part with a fixed number of grouped queries
(``bilan_section(groupement_id, year)``, JSON-ready) and renders it with its
``templates/<area>/_bilan.html`` partial; this module only gathers them, so
the bilan's snapshot holds them and the page, the PDF and the API read them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gic.equipment.queries import bilan_section as equipment
from gic.exchanges.services import bilan_section as exchanges
from gic.governance.services import bilan_section as governance
from gic.secondments.queries import bilan_section as secondments
from gic.techfiles.queries import bilan_section as techfiles
from gic.trainings.services import bilan_section as trainings

# Key in the bilan's "sections" -> the area's bilan_section(groupement_id, year), in page order.
SECTIONS: dict[str, Callable[[int, int], dict[str, Any]]] = {
    "secondments": secondments,
    "equipment": equipment,
    "trainings": trainings,
    "exchanges": exchanges,
    "techfiles": techfiles,
    "governance": governance,
}


def compute_sections(groupement_id: int, year: int) -> dict[str, Any]:
    """Every area's section of the bilan of ``year``, by key."""
    return {key: section(groupement_id, year) for key, section in SECTIONS.items()}
