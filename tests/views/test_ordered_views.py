"""The « Heures commandées » pages (issue 16, items 1, 2, 3 and 5) through the web
client: the model chosen on a convention version, participants' kind, orders, the
budget's vote, provisional calls, the close and the regularisation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gic.billing import services as billing
from gic.extensions import db
from gic.interventions import services as interventions
from gic.models import ConventionModel, ConventionVersion, Participation
from gic.ordered import ledger
from gic.ordered.models import ContributionDocument, HourOrder
from gic.timeutil import local_today
from tests.conftest import client_for
from tests.helpers import accepted, session, text_of, visible_text
from tests.ordered_helpers import make_ordered

PARIS = ZoneInfo("Europe/Paris")
YEAR = 2026


def order_form(world, **hours) -> dict:
    return {f"order_{world.establishments[k].id}": v for k, v in hours.items()}


def test_the_coordinator_chooses_the_model_on_a_new_version(app, world):
    client = client_for(app, world.coordinator)
    form = text_of(client.get("/groupement/convention/nouvelle"))
    assert "Modèle de la convention" in form and "Heures commandées" in form
    day = date(2027, 1, 1)
    data = {"valid_from": day.isoformat(), "threshold_minutes": "0:00",
            "cap_minutes": "35:00", "hourly_rate": "45,00", "duration_years": "3",
            "model": "ordered_hours", "overrun_allowed": "no", "instalments": "2",
            "quorum_percent": "50", "majority_percent": "66"}
    preview = client.post("/groupement/convention/apercu", data=data)
    page = visible_text(preview)
    assert preview.status_code == 200
    assert "Modèle de la convention" in page and "Années 2027 et suivantes" in page
    assert "Dépassement des heures commandées Autorisé Refusé" in page
    assert "plus de 66 % des voix exprimées" in page
    assert 'name="model" value="ordered_hours"' in preview.get_data(as_text=True)
    saved = client.post("/groupement/convention/enregistrer",
                        data={**data, "hourly_rate": "45.00"})
    assert saved.status_code == 302
    version = db.session.scalars(select(ConventionVersion).where(
        ConventionVersion.valid_from == day)).one()
    assert (version.model, version.overrun_allowed, version.instalments,
            version.majority_percent) == (ConventionModel.ORDERED_HOURS, False, 2, 66)
    assert "Heures commandées (appels provisionnels" in text_of(
        client.get("/groupement/convention"))
    # the menu leads to the page from now on (next 1 January is ordered)
    assert "/ordered/" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("changes", [{"model": "forfait"}, {"instalments": "13"},
                                     {"quorum_percent": "101"}, {"overrun_allowed": "peut-être"},
                                     {"majority_percent": "beaucoup"}])
def test_bad_model_settings_are_refused_on_their_field(app, world, changes):
    data = {"valid_from": "2027-01-01", "threshold_minutes": "0:00", "cap_minutes": "35:00",
            "hourly_rate": "45,00", "duration_years": "3", "model": "ordered_hours",
            **changes}
    response = client_for(app, world.coordinator).post("/groupement/convention/apercu",
                                                       data=data)
    assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ConventionVersion.id))) == 1


def test_gic65_has_no_ordered_hours_menu_nor_participation(app, world):
    client = client_for(app, world.coordinator)
    assert "Heures commandées" not in text_of(client.get("/"))
    assert "Participation" not in text_of(client.get("/admin/"))
    page = client.get(f"/ordered/{YEAR}")
    assert page.status_code == 200 and "ne suit pas le modèle" in text_of(page)
    refused = client.post(f"/ordered/{YEAR}/commandes", data=order_form(world, A="10"))
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count(HourOrder.id))) == 0


def test_participation_is_set_on_the_admin_page(app, world, other_world):
    make_ordered(world)
    client = client_for(app, world.coordinator)
    page = text_of(client.get("/admin/"))
    assert "Participation" in page and "Utilisateur (sans voix)" in page
    c = world.establishments["C"]
    done = client.post(f"/ordered/etablissements/{c.id}/participation",
                       data={"participation": "user"})
    assert done.status_code == 302
    assert db.session.get(type(c), c.id).participation == Participation.USER
    bad = client.post(f"/ordered/etablissements/{c.id}/participation",
                      data={"participation": "roi"}, follow_redirects=True)
    assert "Choisissez membre ou utilisateur" in text_of(bad)
    assert db.session.get(type(c), c.id).participation == Participation.USER
    x = other_world.establishments["X"]
    assert client.post(f"/ordered/etablissements/{x.id}/participation",
                       data={"participation": "user"}).status_code == 404
    director = client_for(app, world.directors["C"])
    assert director.post(f"/ordered/etablissements/{c.id}/participation",
                         data={"participation": "member"}).status_code == 403


def test_orders_vote_and_calls_through_the_page(app, world):
    make_ordered(world, users="C", instalments=2)
    client = client_for(app, world.coordinator)
    assert "Heures commandées" in text_of(client.get("/"))
    assert client.get("/ordered/").headers["Location"].endswith(f"/ordered/{YEAR}")
    page = text_of(client.get(f"/ordered/{YEAR}"))
    assert "1. Commandes et consommation" in page and "Enregistrer les commandes" in page
    # an unreadable box: nothing is saved, what was typed stays, the error is on it
    bad = client.post(f"/ordered/{YEAR}/commandes",
                      data=order_form(world, A="100", B="beaucoup"))
    assert bad.status_code == 422
    assert "Durée illisible" in text_of(bad) and 'value="beaucoup"' in text_of(bad)
    assert db.session.scalar(select(func.count(HourOrder.id))) == 0
    saved = client.post(f"/ordered/{YEAR}/commandes",
                        data=order_form(world, A="100", B="60:00", C="40 h"))
    assert saved.status_code == 302
    page = visible_text(client.get(f"/ordered/{YEAR}"))
    assert "Budget à voter : 9 000,00 €" in page
    future = client.post(f"/ordered/{YEAR}/vote", data={
        "voted_on": (local_today() + timedelta(days=1)).isoformat(), "reference": ""})
    assert future.status_code == 422 and "dans le futur" in text_of(future)
    voted = client.post(f"/ordered/{YEAR}/vote",
                        data={"voted_on": "2025-12-10", "reference": "AG du 10/12/2025"})
    assert voted.status_code == 302
    page = visible_text(client.get(f"/ordered/{YEAR}"))
    assert "Budget voté le 10 décembre 2025 (AG du 10/12/2025) : 9 000,00 €" in page
    assert "Enregistrer les commandes" not in page
    assert client.post(f"/ordered/{YEAR}/commandes",
                       data=order_form(world, A="1")).status_code == 409
    # a vote recorded by mistake is withdrawn before the calls, then recorded again
    withdrawn = client.post(f"/ordered/{YEAR}/vote/retirer", follow_redirects=True)
    assert "Vote du budget 2026 retiré" in text_of(withdrawn)
    assert "Enregistrer les commandes" in text_of(withdrawn)
    assert client.post(f"/ordered/{YEAR}/vote/retirer").status_code == 409
    client.post(f"/ordered/{YEAR}/vote", data={"voted_on": "2025-12-10",
                                               "reference": "AG du 10/12/2025"})
    assert client.post(f"/ordered/{YEAR}/appels",
                       data={"instalments": "0"}).status_code == 422
    issued = client.post(f"/ordered/{YEAR}/appels", data={"instalments": "2"},
                         follow_redirects=True)
    text = text_of(issued)
    assert "6 appels de contribution provisionnels émis : n° GIC65-2026-0001 à n° " \
           "GIC65-2026-0006" in text
    assert "2 250,00" in text and "1/2" in text
    assert client.post(f"/ordered/{YEAR}/vote/retirer").status_code == 409
    assert "Retirer ce vote" not in text_of(client.get(f"/ordered/{YEAR}"))
    doc = db.session.scalars(select(ContributionDocument).order_by(
        ContributionDocument.sequence)).first()
    pdf = client.get(f"/ordered/documents/{doc.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "appel-GIC65-2026-0001.pdf" in pdf.headers["Content-Disposition"]


def test_who_reads_the_page(app, world, other_world):
    make_ordered(world)
    e = world.establishments
    client_for(app, world.coordinator).post(f"/ordered/{YEAR}/commandes",
                                            data=order_form(world, A="10", B="6"))
    director = client_for(app, world.directors["A"])
    page = text_of(director.get(f"/ordered/{YEAR}"))
    assert e["A"].name in page and e["B"].name not in page
    assert "Enregistrer les commandes" not in page
    assert director.post(f"/ordered/{YEAR}/commandes",
                         data=order_form(world, A="99")).status_code == 403
    accountant = text_of(client_for(app, world.accountant).get(f"/ordered/{YEAR}"))
    assert e["B"].name in accountant and "Enregistrer les commandes" not in accountant
    assert client_for(app, world.technicians["A"]).get(f"/ordered/{YEAR}").status_code == 403
    assert client_for(app, other_world.coordinator).get(
        f"/ordered/{YEAR}").status_code == 200  # their own groupement's (not ordered)
    assert ledger.ordered_minutes(world.groupement.id, YEAR) == {e["A"].id: 600,
                                                                 e["B"].id: 360}


def test_close_and_regularisation_through_the_page(app, world, clock):
    make_ordered(world, users="C")
    client = client_for(app, world.coordinator)
    client.post(f"/ordered/{YEAR}/commandes", data=order_form(world, A="10", B="6", C="4"))
    client.post(f"/ordered/{YEAR}/vote", data={"voted_on": "2025-12-10", "reference": ""})
    client.post(f"/ordered/{YEAR}/appels", data={"instalments": "1"})
    for provider, beneficiary, day, hours in (("B", "A", 2, ("08:00", "18:00")),
                                              ("A", "B", 2, ("08:00", "13:00")),
                                              ("A", "C", 3, ("08:00", "12:00"))):
        i = accepted(world, provider=provider, beneficiary=beneficiary)
        session(world, i, date(2026, 11, day), *hours)
        interventions.complete(i, i.technician, "Fait.")
        interventions.validate(i, world.directors[beneficiary])
    page = text_of(client.get(f"/ordered/{YEAR}"))
    assert "La régularisation se fait après la fin de l'année" in page
    clock.move_to(datetime(2027, 1, 11, 10, 0, tzinfo=PARIS))
    client = client_for(app, world.coordinator)
    page = visible_text(client.get(f"/ordered/{YEAR}"))
    assert "Régularisation provisoire (l'année n'est pas clôturée)" in page
    assert "doit d'abord être clôturée" in page
    assert client.post(f"/ordered/{YEAR}/regularisation").status_code == 409
    billing.close_year(world.accountant, YEAR)
    bad = client.post(f"/ordered/{YEAR}/depenses", data={"real_expenses": "huit cents"})
    assert bad.status_code == 422 and "Montant illisible" in text_of(bad)
    assert client.post(f"/ordered/{YEAR}/depenses",
                       data={"real_expenses": "870,00", "note": "Compte 2026"}).status_code == 302
    page = visible_text(client.get(f"/ordered/{YEAR}"))
    assert "Régularisation à émettre" in page
    # A: 10 h consumed = 450 called; B: 5 h = 225 vs 270 called -> refund 45; income 855
    assert "remboursement de 45,00 €" in page
    # income 450 + 225 + 180 = 855 < 870: a deficit of 15 covered by members A and B
    assert "Déficit couvert par les membres (à l'euro l'euro) 15,00 €" in page
    assert "déficit 10,00 €" in page and "déficit 5,00 €" in page
    assert "Contributions définitives (= dépenses réelles) 870,00 €" in page
    done = client.post(f"/ordered/{YEAR}/regularisation", follow_redirects=True)
    text = visible_text(done)
    assert "Régularisation 2026 émise : 3 relevés." in text
    assert "GIC65-2026-0004" in text and "Année régularisée" in text
    assert sum(ledger.contributions(world.groupement.id, YEAR).values()) == Decimal("870.00")
    director = client_for(app, world.directors["B"])
    mine = visible_text(director.get(f"/ordered/{YEAR}"))
    assert "GIC65-2026-0005" in mine and "GIC65-2026-0004" not in mine
    assert client.post(f"/ordered/{YEAR}/regularisation").status_code == 409
