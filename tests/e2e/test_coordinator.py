"""Journey 4: the coordinator plans a meeting, then writes and finalises the
minutes of a past meeting and downloads them as PDF."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.meetings import services
from gic.meetings.models import Meeting, Minutes, MinutesStatus
from gic.timeutil import local_today
from tests.e2e.conftest import expect

# Served in threads on their own connections: the journey's data is committed.
pytestmark = [pytest.mark.commits, pytest.mark.slow]

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def french(day: date) -> str:
    """« 14 mars 2025 », « 1er janvier 2027 »: written out here so that the page's
    format is checked."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def test_coordinator(world, open_journey):
    """Plan a technicians' meeting through the form (« Prévue »); for last week's held
    meeting, write the minutes, add a decision, finalise, download the PDF."""
    coordinator = world.coordinator
    today = local_today()
    held_day = today - timedelta(days=10)
    held = services.plan_meeting(
        coordinator, kind="technicians", title="Réunion des techniciens d'automne",
        day=held_day, start=time(9, 30), duration_minutes=150,
        place="Centre Jean-Marie Larrieu", agenda=["Sauvegardes", "Messagerie"])
    services.set_status(held, coordinator, "held")
    planned_day = today + timedelta(days=30)
    j = open_journey()
    page = j.page

    j.login(coordinator)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Réunions").click()
    expect(page.get_by_role("heading", name="Réunions", level=1)).to_be_visible()
    j.check_accessibility("liste des réunions")
    page.get_by_role("link", name="Planifier une réunion").click()
    expect(page.get_by_role("heading", name="Planifier une réunion")).to_be_visible()
    j.check_accessibility("formulaire de réunion")
    page.get_by_label("Réunion des techniciens", exact=True).check()
    page.get_by_label("Titre").fill("Réunion des techniciens d'hiver")
    page.get_by_label("Date").fill(planned_day.isoformat())
    page.get_by_label("Heure de début").fill("14:00")
    page.get_by_label("Durée").fill("2 h 30")
    page.get_by_label("Lieu", exact=True).fill("EPAS 65, salle informatique")
    page.get_by_label("Ordre du jour").fill("Inventaire des postes\nPlan de reprise d'activité")
    page.get_by_role("button", name="Planifier la réunion").click()
    j.flash("Réunion planifiée ; les invités sont prévenus.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Réunion des techniciens d'hiver")
    expect(heading).to_contain_text("Prévue")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(f"{french(planned_day)} à 14:00")
    expect(facts).to_contain_text("2 h 30")
    expect(facts).to_contain_text("EPAS 65, salle informatique")
    expect(page.locator("section[aria-labelledby=agenda-title] li")).to_have_text(
        ["Inventaire des postes", "Plan de reprise d'activité"])
    invitees = page.locator("section[aria-labelledby=invitees-title] li")
    expect(invitees).to_have_count(3)  # no choice: every technician of the groupement
    j.check_accessibility("réunion planifiée")

    page.get_by_role("link", name="← Réunions").click()
    past = page.locator("section[aria-labelledby=past-title]")
    expect(past).to_contain_text(f"{french(held_day)} à 09:30")
    expect(past).to_contain_text("pas encore finalisé")
    past.get_by_role("link", name="Réunion des techniciens d'automne").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tenue")
    page.get_by_role("button", name="Rédiger le compte rendu").click()
    j.flash("Brouillon du compte rendu (version 1) créé.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Compte rendu — version 1 brouillon")
    j.check_accessibility("rédaction du compte rendu")

    page.get_by_role("textbox", name="Déroulé et échanges").fill(
        "Tour de table des incidents du trimestre ; point sur les sauvegardes.")
    page.get_by_role("button", name="Enregistrer le texte").click()
    j.flash("Compte rendu enregistré.")
    page.get_by_text("Ajouter une décision", exact=True).click()
    page.get_by_role("textbox", name="Décision", exact=True).fill(
        "Les sauvegardes sont testées chaque mois par chaque établissement.")
    page.get_by_role("button", name="Ajouter la décision").click()
    j.flash("Décision ajoutée.")
    page.get_by_text("Finaliser le compte rendu", exact=True).click()
    page.get_by_role("button", name="Finaliser la version 1").click()
    j.flash("Compte rendu finalisé (version 1)")
    subtitle = page.locator("p.subtitle")
    expect(subtitle).to_contain_text(f"Réunion des techniciens du {french(held_day)}")
    expect(subtitle).to_contain_text(f"version 1, finalisée le {french(today)}")
    j.sees("Les sauvegardes sont testées chaque mois par chaque établissement.")
    expect(page.get_by_role("link", name="Modifier le brouillon")).to_have_count(0)
    j.check_accessibility("compte rendu finalisé")
    j.screenshot()

    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger en PDF").click()
    download = info.value
    assert download.suggested_filename == f"compte-rendu-{held.id}-v1.pdf"
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"

    db.session.rollback()
    planned = db.session.scalars(select(Meeting).where(Meeting.id != held.id)).one()
    assert (planned.title, planned.duration_minutes, planned.local_date) == (
        "Réunion des techniciens d'hiver", 150, planned_day)
    minutes = db.session.scalars(select(Minutes).where(Minutes.meeting_id == held.id)).one()
    assert minutes.status == MinutesStatus.FINAL
    assert [d.text for d in minutes.decisions] == [
        "Les sauvegardes sont testées chaque mois par chaque établissement."]
