"""Journey (issue 16): the coordinator of an ordered-hours groupement enters the
year's orders, records the budget's vote and issues the provisional calls; a
technician logs his sessions; after the year's end and its close, the coordinator
enters the real expenses and issues the regularisation, on a desktop and then
reads it on a phone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gic.billing import services as billing
from gic.extensions import db
from gic.interventions import services
from gic.ordered import ledger
from tests.e2e.conftest import PHONE, expect
from tests.helpers import accepted, session
from tests.ordered_helpers import make_ordered

pytestmark = [pytest.mark.commits, pytest.mark.slow]
PARIS = ZoneInfo("Europe/Paris")


def test_ordered_hours(world, open_journey, clock):
    """A, B (members) and C (« utilisateur ») order 10, 6 and 4 h at 45 €/h; A's
    technician works 5 h for B on site, B's works 10 h for A; 2026 closes with
    870 € of real expenses."""
    make_ordered(world, users="C", instalments=2)
    e = world.establishments
    j = open_journey()
    page = j.page

    j.login(world.coordinator)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Heures commandées").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Heures commandées 2026")
    for letter, hours in (("A", "10"), ("B", "6"), ("C", "4")):
        page.get_by_label(f"Heures commandées par {e[letter].name}").fill(hours)
    page.get_by_role("button", name="Enregistrer les commandes").click()
    j.flash("Heures commandées 2026 enregistrées (3 modifiées).")
    j.sees("Budget à voter : 900,00 €")
    j.check_accessibility("heures commandées : commandes")

    page.get_by_label("Date du vote").fill("2025-12-10")
    page.get_by_label("Référence").fill("AG ordinaire du 10/12/2025")
    page.get_by_role("button", name="Enregistrer le vote du budget").click()
    j.flash("Vote du budget 2026 enregistré : 900,00 €.")
    page.get_by_label("Nombre d'échéances").fill("2")
    page.get_by_role("button", name="Émettre les appels provisionnels").click()
    j.flash("6 appels de contribution provisionnels émis : n° GIC65-2026-0001 à n° "
            "GIC65-2026-0006.")
    with page.expect_popup() as popup:
        page.evaluate("document.querySelectorAll('a[href$=\".pdf\"]').forEach("
                      "a => a.target = '_blank')")
        page.get_by_role("link", name="PDF GIC65-2026-0001").click()
    popup.value.close()
    j.check_accessibility("heures commandées : appels émis")
    j.name = "ordered_hours_calls"
    j.screenshot()

    # B's technician works 10 h for A, through the session form
    for_a = accepted(world, provider="B", beneficiary="A")
    for_b = accepted(world, provider="A", beneficiary="B")
    db.session.commit()
    tech = open_journey(PHONE)
    tech.login(world.technicians["B"])
    tech.page.get_by_role("link", name=for_a.title).click()
    form = tech.page.locator("form#saisie")
    form.get_by_label("Date").fill("2026-11-16")
    form.get_by_label("Début").fill("08:00")
    form.get_by_label("Fin").fill("18:00")
    form.get_by_label("Sur site").check()
    form.get_by_label("Notes").fill("Migration du serveur de fichiers")
    form.get_by_role("button", name="Enregistrer la séance").click()
    tech.flash("Temps passé enregistré.")
    session(world, for_b, date(2026, 11, 17), "08:00", "13:00", "remote")
    for i, beneficiary in ((for_a, "A"), (for_b, "B")):
        services.complete(db.session.get(type(i), i.id), i.technician, "Fait.")
        services.validate(db.session.get(type(i), i.id), world.directors[beneficiary])
    db.session.commit()
    j.go("/ordered/2026")
    j.sees("commande épuisée")  # A: 10 h ordered, 10 h consumed

    # The year ends; the accountant closes it (every intervention validated)
    clock.move_to(datetime(2027, 1, 11, 10, 0, tzinfo=PARIS))
    billing.close_year(world.accountant, 2026)
    j.login(world.coordinator)  # seven weeks later: a new session
    j.go("/ordered/2026")
    page.get_by_label("Dépenses réelles de l'année (€)").fill("870,00")
    page.get_by_label("Précision").fill("Compte de résultat 2026")
    page.get_by_role("button", name="Enregistrer les dépenses réelles").click()
    j.flash("Dépenses réelles 2026 enregistrées.")
    j.sees("Régularisation à émettre")
    j.sees("Déficit couvert par les membres")
    j.check_accessibility("heures commandées : régularisation à émettre")
    j.name = "ordered_hours_preview"
    j.screenshot()
    page.get_by_role("button", name="Émettre la régularisation").click()
    j.flash("Régularisation 2026 émise : 3 relevés.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Année régularisée")
    j.sees("GIC65-2026-0009")
    j.name = "ordered_hours_regularised"
    j.screenshot()
    assert sum(ledger.contributions(world.groupement.id, 2026).values()) == Decimal("870.00")

    phone = open_journey(PHONE)
    phone.login(world.coordinator)
    phone.go("/ordered/2026")
    expect(phone.page.get_by_role("heading", level=1)).to_contain_text("Année régularisée")
    phone.check_accessibility("heures commandées (téléphone)")
    phone.name = "ordered_hours_phone"
    phone.screenshot()
