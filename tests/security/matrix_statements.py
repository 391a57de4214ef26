"""Authorization rows of the documents of a closed year (issue 15, items 2–5; see
tests/security/matrix.py).

2021 is closed with one settlement: B pays A (A, public, has its billing
identity; B has none, so no Factur-X). The accountant reads every document; a
director those where his establishment is a party (A and B here; C gets 404);
technicians and the coordinator 403; another groupement's people 404 on the
first groupement's documents (their own year list is empty).
"""

from __future__ import annotations

from datetime import date, time

from tests.security.matrix import Route, api, web

YEAR = {"year": 2021}
DOC = {"statement_id": "statement_2021"}
PACK = {"year": 2021, "establishment_id": "establishment_A"}


def build(ctx) -> None:
    """A→B 7 h 30 on site in 2021, validated; A public with its identity; 2021 closed."""
    from sqlalchemy import select

    from gic.billing.models import SettlementStatement
    from gic.billing.services import close_year
    from gic.extensions import db
    from gic.interventions import services
    from gic.models import PayerKind, VatRegime

    world = ctx.world
    a = world.establishments["A"]
    a.legal_name, a.siret, a.payer_kind = "Association A", "73282932000074", PayerKind.PUBLIC
    a.vat_regime = VatRegime.NOT_SUBJECT
    a.street, a.postal_code, a.city = "1 rue de la Paix", "65000", "Tarbes"
    i = services.create_draft(world.technicians["B"], provider_id=a.id, axis=2,
                              nature="incident", description="Serveur en panne")
    services.activate(i, world.directors["B"])
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    services.log_session(i, world.technicians["A"], day=date(2021, 6, 7), start=time(8, 0),
                         end=time(15, 30), mode="onsite", notes="")
    services.complete(i, world.technicians["A"], "Fait.")
    services.validate(i, world.directors["B"])
    close_year(world.accountant, 2021)
    ctx.ids["statement_2021"] = db.session.scalar(select(SettlementStatement.id).where(
        SettlementStatement.groupement_id == world.groupement.id,
        SettlementStatement.year == 2021))


# The parties' directors and the accountant read; a director of C does not find it;
# technicians and the coordinator may not; another groupement does not find it.
PARTIES = {"logged": 403, "accountant": 200, "dir_A": 200, "dir_B": 200, "dir_C": 404,
           "other": 404}

ROUTES = {
    ("billing.documents", "GET"): Route(
        web(logged=403, accountant=200, dirs=200, other_dir=200), args=YEAR),
    ("billing.document_pdf", "GET"): Route(web(**PARTIES), args=DOC),
    # B has no SIRET: no Factur-X, whoever asks (404 once allowed to read it).
    ("billing.document_facturx", "GET"): Route(web(**{**PARTIES, "accountant": 404,
                                                      "dir_A": 404, "dir_B": 404}),
                                               args=DOC),
    ("billing.recovery_pack", "GET"): Route(
        web(logged=403, accountant=200, dir_A=200, dir_B=404, dir_C=404, other=404),
        args=PACK),
    ("api.billing_documents", "GET"): Route(
        api(logged=403, accountant=200, dirs=200, other_dir=200), args=YEAR),
    ("api.billing_document_pdf", "GET"): Route(api(**PARTIES), args=DOC),
    ("api.billing_document_facturx", "GET"): Route(api(**{**PARTIES, "accountant": 404,
                                                          "dir_A": 404, "dir_B": 404}),
                                                   args=DOC),
    ("api.billing_recovery_pack", "GET"): Route(
        api(logged=403, accountant=200, dir_A=200, dir_B=404, dir_C=404, other=404),
        args=PACK),
}


def owned(tables, gid) -> dict:
    """Nothing to add: both tables have a groupement_id column."""
    return {}
