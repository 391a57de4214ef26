"""Authorization rows of the establishments' billing identity (issue 15, item 1;
see tests/security/matrix.py).

The coordinator edits it, the accountant reads it; every other role gets 403, and
another groupement's coordinator does not find the establishment (404).
"""

from __future__ import annotations

from tests.security.matrix import Route, web

EID = {"establishment_id": "establishment_A"}


def _identity_form(ctx) -> dict:
    return {"legal_name": "Association Établissement A", "siret": "73282932000074",
            "payer_kind": "public", "vat_regime": "not_subject",
            "street": "1 rue de la Paix", "postal_code": "65000", "city": "Tarbes",
            "chorus_service_code": "SERVICE-1", "engagement_year": "2026",
            "engagement_number": "EJ-2026-1"}


ROUTES = {
    ("admin.establishment_identity", "GET"): Route(
        web(logged=403, accountant=200, coordinator=200, other_coord=404), args=EID),
    ("admin.establishment_identity", "POST"): Route(
        web(logged=403, coordinator=302, other_coord=404), args=EID, body=_identity_form),
}


def owned(tables, gid) -> dict:
    """The engagement numbers of the groupement's establishments."""
    from sqlalchemy import select
    establishments = select(tables["establishment"].c.id).where(
        tables["establishment"].c.groupement_id == gid)
    return {"establishment_engagement":
            tables["establishment_engagement"].c.establishment_id.in_(establishments)}
