"""Establishments' billing identity (issue 15, item 1): the coordinator edits it on
« Identité de facturation », the accountant reads it; refusals are French and
change nothing; every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.extensions import db
from gic.models import EstablishmentEngagement
from tests.conftest import client_for, csrf_login, csrf_token
from tests.helpers import text_of

FORM = {"legal_name": "Association Les Tilleuls", "siret": "732 829 320 00074",
        "payer_kind": "public", "vat_regime": "not_subject",
        "street": "1 rue de la Paix\nBâtiment B", "postal_code": "65000", "city": "Tarbes",
        "chorus_service_code": "SERV-ACHATS", "engagement_year": "2026",
        "engagement_number": "EJ 2026-042"}


def url(e) -> str:
    return f"/admin/establishments/{e.id}/identity"


def audit() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "establishment.identity")))


def test_the_establishments_list_links_to_each_identity_page(app, world):
    page = client_for(app, world.coordinator).get("/admin/").get_data(as_text=True)
    assert f'href="{url(world.establishments["A"])}"' in page
    assert "Identité de facturation" in page and "(à renseigner)" in page


def test_coordinator_saves_the_identity_audited(app, world):
    e = world.establishments["A"]
    client = client_for(app, world.coordinator)
    response = client.post(url(e), data=FORM)
    assert response.status_code == 302 and response.location.endswith(url(e))
    db.session.refresh(e)
    assert (e.legal_name, e.siret, e.payer_kind, e.vat_regime) == (
        "Association Les Tilleuls", "73282932000074", "public", "not_subject")
    assert (e.street, e.postal_code, e.city, e.chorus_service_code) == (
        "1 rue de la Paix\nBâtiment B", "65000", "Tarbes", "SERV-ACHATS")
    assert [(g.year, g.number) for g in e.engagements] == [(2026, "EJ 2026-042")]
    [entry] = audit()
    assert entry.actor_id == world.coordinator.id and entry.establishment_id == e.id
    assert entry.before["siret"] is None and entry.after["siret"] == "73282932000074"
    assert entry.after["engagements"] == {"2026": "EJ 2026-042"}
    page = text_of(client.get(url(e)))
    assert "Identité de facturation de « Établissement A » enregistrée." in page
    assert "732 829 320 00074" in page and "Établissement non assujetti à la TVA." in page
    assert "2026 : EJ 2026-042" in page


def test_emptying_a_year_s_engagement_number_removes_it(app, world):
    e = world.establishments["A"]
    client = client_for(app, world.coordinator)
    assert client.post(url(e), data=FORM).status_code == 302
    assert client.post(url(e), data={**FORM, "engagement_number": ""}).status_code == 302
    assert db.session.scalars(select(EstablishmentEngagement)).all() == []


def test_a_private_payer_has_no_chorus_fields(app, world):
    e = world.establishments["A"]
    client = client_for(app, world.coordinator)
    assert client.post(url(e), data=FORM).status_code == 302
    response = client.post(url(e), data={**FORM, "payer_kind": "private"})
    assert response.status_code == 422
    assert "ne concerne que les payeurs publics" in text_of(response)
    db.session.refresh(e)
    assert e.payer_kind == "public"
    private = {**FORM, "payer_kind": "private", "chorus_service_code": "",
               "engagement_number": ""}
    assert client.post(url(e), data=private).status_code == 302
    db.session.refresh(e)
    assert e.payer_kind == "private" and e.chorus_service_code is None
    assert e.engagements == []


def test_refusals_are_french_and_change_nothing(app, world):
    e = world.establishments["A"]
    client = client_for(app, world.coordinator)
    for changes, message in (
            ({"siret": "73282932000075"}, "sa clé de contrôle est fausse"),
            ({"siret": "7328293200007"}, "compte 14 chiffres (ici 13)"),
            ({"siret": "7328293200007X"}, "ne contient que des chiffres"),
            ({"postal_code": "6500"}, "Le code postal compte 5 chiffres."),
            ({"legal_name": ""}, "Indiquez la raison sociale."),
            ({"payer_kind": ""}, "Choisissez un payeur public ou privé."),
            ({"chorus_service_code": "code avec espaces"}, "s'écrit sans espace"),
            ({"engagement_year": "1999"}, "Une année entre 2000 et 2100.")):
        response = client.post(url(e), data={**FORM, **changes})
        assert response.status_code == 422, changes
        page = text_of(response)
        assert message in page, changes
        assert "Rien n'est enregistré" in page
    db.session.refresh(e)
    assert e.siret is None and e.legal_name is None
    assert db.session.scalars(select(EstablishmentEngagement)).all() == []
    assert audit() == []


def test_accountant_reads_but_cannot_edit(app, world):
    e = world.establishments["A"]
    assert client_for(app, world.coordinator).post(url(e), data=FORM).status_code == 302
    client = client_for(app, world.accountant)
    page = text_of(client.get(url(e)))
    assert "Association Les Tilleuls" in page and "SERV-ACHATS" in page
    assert "<form method=\"post\" class=\"stack card\"" not in page
    assert client.post(url(e), data={**FORM, "legal_name": "Autre"}).status_code == 403
    db.session.refresh(e)
    assert e.legal_name == "Association Les Tilleuls"


def test_other_roles_403_other_groupement_404(app, world, other_world):
    e = world.establishments["A"]
    assert client_for(app, world.directors["A"]).get(url(e)).status_code == 403
    assert client_for(app, world.technicians["A"]).get(url(e)).status_code == 403
    assert client_for(app, other_world.coordinator).get(url(e)).status_code == 404
    assert client_for(app, other_world.coordinator).post(url(e), data=FORM).status_code == 404
    assert client_for(app, world.coordinator).get(
        "/admin/establishments/999999/identity").status_code == 404
    db.session.refresh(e)
    assert e.siret is None


def test_csrf_is_required(app, world, csrf_client):
    e = world.establishments["A"]
    csrf_login(csrf_client, world.coordinator)
    assert csrf_client.post(url(e), data=FORM).status_code == 400
    db.session.refresh(e)
    assert e.siret is None
    token = csrf_token(csrf_client.get(url(e)).get_data(as_text=True))
    assert csrf_client.post(url(e), data={**FORM, "csrf_token": token}).status_code == 302
    db.session.refresh(e)
    assert e.siret == "73282932000074"


def test_api_lists_the_identity_for_coordination_and_accounting_only(app, world):
    from gic.auth.services import create_token
    e = world.establishments["A"]
    assert client_for(app, world.coordinator).post(url(e), data=FORM).status_code == 302
    client = app.test_client()

    def items(user):
        raw = create_token(user, "test")[1]
        response = client.get("/api/v1/establishments",
                              headers={"Authorization": f"Bearer {raw}"})
        return {i["name"]: i for i in response.get_json()["items"]}

    seen = items(world.accountant)
    assert seen["Établissement A"]["billing_identity"]["siret"] == "73282932000074"
    assert seen["Établissement A"]["billing_identity"]["engagements"] == [
        {"year": 2026, "number": "EJ 2026-042"}]
    assert seen["Établissement B"]["billing_identity"] is None
    assert "billing_identity" not in items(world.directors["A"])["Établissement A"]
