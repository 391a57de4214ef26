"""The signed intervention sheet and the beneficiary's reference through the web pages:
the completion form's signature pads, the stored PDF served as stored to whoever sees
the intervention, refusals that change nothing (issue 14, item 3)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSheet
from tests.helpers import accepted, session
from tests.services.test_intervention_sheet import SIGNED, data_url, png
from tests.views.test_interventions_views import client_for, plain, state_of, text


@pytest.fixture
def worked(world):
    i = accepted(world)
    session(world, i, date(2026, 11, 20), "08:00", "10:30")
    return i


def sheets() -> int:
    return db.session.scalar(select(func.count()).select_from(InterventionSheet))


def test_the_completion_form_has_the_signature_pads_loaded_from_a_file(app, world, worked):
    page = text(client_for(app, world.technicians["A"]).get(f"/interventions/{worked.id}"))
    assert '<fieldset class="signing" data-signing hidden>' in page  # shown by the script
    assert page.count("<canvas") == 2 and page.count(">Effacer</button>") == 2
    assert ('<input id="signatory_signature" name="signatory_signature" type="hidden" value="">'
            in page)
    assert '<script src="/static/signature.js" defer></script>' in page
    assert "<script>" not in page and "onclick" not in page
    # Others see neither the form nor the script.
    other = text(client_for(app, world.directors["B"]).get(f"/interventions/{worked.id}"))
    assert "signature.js" not in other and "<canvas" not in other


def test_completing_with_signatures_stores_the_sheet_and_shows_fiche_signee(app, world, worked):
    tech = client_for(app, world.technicians["A"])
    r = tech.post(f"/interventions/{worked.id}/complete",
                  data={"report": "Disque remplacé.", **SIGNED})
    assert r.status_code == 302
    assert state_of(worked) == "completed" and sheets() == 1
    page = plain(tech.get(f"/interventions/{worked.id}"))
    assert "Intervention terminée avec sa fiche signée, enregistrée en PDF" in page
    assert "Fiche signée par Mme Ortiz, cadre de santé (Établissement B)" in " ".join(page.split())
    for user in (world.technicians["A"], world.directors["B"], world.technicians["B"],
                 world.coordinator, world.accountant):
        viewer = client_for(app, user)
        assert "Télécharger la fiche signée (PDF)" in plain(viewer.get(
            f"/interventions/{worked.id}"))
        first = viewer.get(f"/interventions/{worked.id}/fiche.pdf")
        second = viewer.get(f"/interventions/{worked.id}/fiche.pdf")
        assert first.status_code == 200 and first.mimetype == "application/pdf"
        assert first.data == second.data == db.session.get(Intervention, worked.id).sheet.pdf
        assert (f'filename="fiche-intervention-{worked.id}.pdf"'
                in first.headers["Content-Disposition"])


def test_completing_without_javascript_works_without_a_sheet(app, world, worked):
    tech = client_for(app, world.technicians["A"])
    r = tech.post(f"/interventions/{worked.id}/complete", data={"report": "Disque remplacé."})
    assert r.status_code == 302 and state_of(worked) == "completed"
    assert sheets() == 0
    assert "Fiche signée" not in plain(tech.get(f"/interventions/{worked.id}"))
    assert tech.get(f"/interventions/{worked.id}/fiche.pdf").status_code == 404


def test_a_bad_signature_is_refused_on_the_page_and_nothing_changes(app, world, worked):
    tech = client_for(app, world.technicians["A"])
    r = tech.post(f"/interventions/{worked.id}/complete", data={
        "report": "Disque remplacé.", **SIGNED, "technician_signature": data_url(png(drawn=False))})
    assert r.status_code == 422
    page = plain(r)
    assert "Votre signature est vide : signez dans le cadre." in page
    assert state_of(worked) == "accepted" and sheets() == 0
    # What was typed and signed is kept for the next try.
    assert "Mme Ortiz, cadre de santé" in text(r)
    assert SIGNED["signatory_signature"] in text(r)


def test_a_name_without_signature_is_refused(app, world, worked):
    tech = client_for(app, world.technicians["A"])
    r = tech.post(f"/interventions/{worked.id}/complete", data={
        "report": "Disque remplacé.", "signatory_name": "M. Durand"})
    assert r.status_code == 422
    assert "Faites signer la personne présente" in plain(r)
    assert state_of(worked) == "accepted" and sheets() == 0


def test_the_sheet_is_hidden_from_those_who_do_not_see_the_intervention(app, world, other_world,
                                                                         worked):
    services.complete(worked, world.technicians["A"], "Fait.", **SIGNED)
    for user in (world.technicians["C"], world.directors["C"], other_world.directors["X"]):
        r = client_for(app, user).get(f"/interventions/{worked.id}/fiche.pdf")
        assert r.status_code == 404


def test_the_reference_is_typed_on_the_draft_shown_and_changed(app, world):
    tech_b = client_for(app, world.technicians["B"])
    r = tech_b.post("/interventions/new", data={
        "provider_id": world.establishments["A"].id, "axis": "2", "nature": "incident",
        "description": "Imprimante", "beneficiary_reference": "TCK-42"})
    assert r.status_code == 302
    i = db.session.scalars(select(Intervention)).one()
    assert i.beneficiary_reference == "TCK-42"
    page = text(tech_b.get(f"/interventions/{i.id}"))
    assert "<dt>Référence interne</dt><dd>TCK-42</dd>" in page
    assert "Modifier la référence interne" in page
    r = tech_b.post(f"/interventions/{i.id}/reference", data={"beneficiary_reference": "TCK-43"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Intervention, i.id).beneficiary_reference == "TCK-43"


def test_a_too_long_reference_is_refused_and_nothing_changes(app, world):
    tech_b = client_for(app, world.technicians["B"])
    r = tech_b.post("/interventions/new", data={
        "provider_id": world.establishments["A"].id, "axis": "2", "nature": "incident",
        "description": "Imprimante", "beneficiary_reference": "x" * 61})
    assert r.status_code == 422 and "60 caractères au plus." in plain(r)
    assert db.session.scalar(select(func.count()).select_from(Intervention)) == 0


def test_the_provider_may_not_set_the_reference(app, world, worked):
    r = client_for(app, world.directors["A"]).post(
        f"/interventions/{worked.id}/reference", data={"beneficiary_reference": "X"})
    assert r.status_code == 403
    assert "Seuls les techniciens et la direction de l'établissement bénéficiaire" in plain(r)
    db.session.expire_all()
    assert db.session.get(Intervention, worked.id).beneficiary_reference is None
