"""Journey 1: a technician, on his phone, logs his time and completes the work."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from tests.e2e.conftest import PHONE, expect
from tests.helpers import accepted

# Served in threads on their own connections: the journey's data is committed.
pytestmark = [pytest.mark.commits, pytest.mark.slow]


def test_technician(world, open_journey):
    """Log in, open the assigned intervention from the dashboard, log one on-site and
    one remote session through the form, complete with a report: « Terminée »."""
    i = accepted(world, provider="A", beneficiary="B")
    me = world.technicians["A"]
    j = open_journey(PHONE)
    page = j.page

    j.go("/login")
    j.check_accessibility("connexion (téléphone)")
    j.login(me)
    expect(page.get_by_role("heading", name="Mes interventions")).to_be_visible()
    j.check_accessibility("tableau de bord du technicien (téléphone)")
    page.get_by_role("link", name=i.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(i.title)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acceptée")
    j.sees("Aucune séance saisie.")
    j.check_accessibility("détail de l'intervention (téléphone)")

    form = page.locator("form#saisie")
    # On site, 14 March 2025, 08:00–15:20: 7 h 20, billable as a whole (R3).
    form.get_by_label("Date").fill("2025-03-14")
    form.get_by_label("Début").fill("08:00")
    form.get_by_label("Fin").fill("15:20")
    form.get_by_label("Sur site").check()
    form.get_by_label("Notes").fill("Remplacement du commutateur de l'accueil")
    form.get_by_role("button", name="Enregistrer la séance").click()
    j.flash("Temps passé enregistré.")

    form = page.locator("form#saisie")
    # Remote, 17 March 2025, 09:00–10:30: 1 h 30, never billable (R1).
    form.get_by_label("Date").fill("2025-03-17")
    form.get_by_label("Début").fill("09:00")
    form.get_by_label("Fin").fill("10:30")
    form.get_by_label("À distance").check()
    form.get_by_label("Notes").fill("Contrôle des sauvegardes à distance")
    form.get_by_role("button", name="Enregistrer la séance").click()
    j.flash("Temps passé enregistré.")

    sessions = page.locator("section[aria-labelledby=sessions-title] tbody tr")
    expect(sessions).to_have_count(2)
    expect(sessions.nth(0)).to_contain_text("14 mars 2025")
    expect(sessions.nth(0)).to_contain_text("08:00–15:20")
    expect(sessions.nth(0)).to_contain_text("Sur site")
    expect(sessions.nth(0)).to_contain_text("7 h 20")
    expect(sessions.nth(1)).to_contain_text("17 mars 2025")
    expect(sessions.nth(1)).to_contain_text("À distance")
    expect(sessions.nth(1)).to_contain_text("1 h 30")
    totals = page.locator("p.totals")
    # Durations never break across lines on a phone: no-break spaces around « h ».
    expect(totals).to_contain_text(
        re.compile(r"Total sur site : 7\xa0h\xa020 · à distance : 1\xa0h\xa030"))
    expect(totals).to_contain_text("facturable : 7 h 20")
    j.check_accessibility("détail avec deux séances (téléphone)")

    # A session over the first one is refused; the page lands on the form, which
    # names the other session (on a phone, the top of the page is only the menu).
    form = page.locator("form#saisie")
    form.get_by_label("Date").fill("2025-03-14")
    form.get_by_label("Début").fill("15:00")
    form.get_by_label("Fin").fill("16:00")
    form.get_by_role("button", name="Enregistrer la séance").click()
    page.wait_for_url(re.compile(r"/sessions#saisie$"))
    expect(page.locator("form#saisie")).to_be_in_viewport()
    expect(page.locator("#start-err")).to_be_in_viewport()
    expect(page.locator("#start-err")).to_have_text(
        "Cette séance chevauche votre séance du 14 mars 2025 de 08:00 à 15:20 "
        f"(demande n° {i.id}) : changez les horaires de l'une des deux.")
    expect(page.locator("h1")).not_to_be_in_viewport()
    page.goto(page.url.split("/sessions")[0])

    page.get_by_text("Terminer l'intervention", exact=True).click()
    page.get_by_label("Compte rendu d'intervention").fill(
        "Commutateur remplacé, sauvegardes vérifiées : tout fonctionne.")
    page.get_by_role("button", name="Terminer avec ce compte rendu").click()
    j.flash("Intervention terminée")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Terminée")
    j.sees("Commutateur remplacé, sauvegardes vérifiées : tout fonctionne.")
    j.sees("en attente de la validation des heures par la direction de l'établissement "
           "Établissement B")
    expect(page.get_by_role("button", name="Enregistrer la séance")).to_have_count(0)
    j.check_accessibility("intervention terminée (téléphone)")
    j.screenshot()

    db.session.rollback()  # read what the server stored, not this session's snapshot
    stored = db.session.get(Intervention, i.id)
    assert stored.state == State.COMPLETED
    assert stored.report.startswith("Commutateur remplacé")
    rows = db.session.execute(
        select(InterventionSession.mode, InterventionSession.minutes)
        .where(InterventionSession.intervention_id == i.id)
        .order_by(InterventionSession.date)).all()
    assert [tuple(r) for r in rows] == [("onsite", 440), ("remote", 90)]
