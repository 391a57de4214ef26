"""Authorization rows of the signed intervention sheet and the beneficiary's reference
(issue 14, item 3; see tests/security/matrix.py).

The signed sheet of an A -> B intervention is read by whoever sees the intervention
(404 for the others); its reference is given by B's technician or director (403 for
the other people who see it, 404 for the rest).
"""

from __future__ import annotations

from datetime import date, time

from tests.security.matrix import IID, Route, api, api_scoped, web, web_scoped

ROUTES = {
    ("interventions.sheet_pdf", "GET"): Route(web(viewers=200, outsiders=404),
                                              args={IID: "signed"}),
    ("interventions.set_reference", "POST"): Route(
        web_scoped(tech_B=302, dir_B=302), args={IID: "reference_web"},
        body={"beneficiary_reference": "TCK-1"}),
    ("api.sheet_pdf", "GET"): Route(api(viewers=200, outsiders=404), args={IID: "signed"}),
    ("api.update_intervention", "PATCH"): Route(
        api_scoped(tech_B=200, dir_B=200), args={IID: "reference_api"},
        body={"beneficiary_reference": "TCK-1"}),
}


def build(ctx) -> None:
    """A completed A -> B intervention with its signed sheet, and two accepted ones
    whose reference is given (web, API)."""
    from gic.interventions import services
    from tests.security.test_authorization_matrix import MARK
    from tests.services.test_intervention_sheet import SIGNED

    w = ctx.world

    def accepted():
        i = services.create_draft(w.technicians["B"], provider_id=w.establishments["A"].id,
                                  axis=2, nature="incident", description=f"Panne {MARK}")
        services.activate(i, w.directors["B"])
        services.accept(i, w.directors["A"], w.technicians["A"].id)
        return i

    signed = accepted()
    services.log_session(signed, w.technicians["A"], day=date(2026, 6, 1), start=time(8, 0),
                         end=time(9, 0), mode="onsite", notes=MARK)
    services.complete(signed, w.technicians["A"], f"Fait. {MARK}", **SIGNED)
    ctx.ids["signed"] = signed.id
    ctx.ids["reference_web"] = accepted().id
    ctx.ids["reference_api"] = accepted().id


def owned(tables, gid) -> dict:
    """The signed sheets of the groupement's interventions."""
    from sqlalchemy import select
    interventions = select(tables["intervention"].c.id).where(
        tables["intervention"].c.groupement_id == gid)
    return {"intervention_sheet":
            tables["intervention_sheet"].c.intervention_id.in_(interventions)}
