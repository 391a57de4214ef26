"""Journey 2: a director activates a request, reads his cap gauge, declines a
request addressed to his establishment and validates completed work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, State
from gic.timeutil import local_today
from tests.e2e.conftest import expect
from tests.helpers import accepted, session

# Served in threads on their own connections: the journey's data is committed.
pytestmark = [pytest.mark.commits, pytest.mark.slow]


def _dashboard(j) -> None:
    j.page.get_by_role("link", name="Tableau de bord").click()
    expect(j.page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()


def _open_from(j, section: str, title: str) -> None:
    """Open the request ``title`` from the dashboard table under the heading ``section``."""
    table = j.page.get_by_role("heading", name=section).locator(
        "xpath=following-sibling::div[contains(@class, 'table-wrap')][1]")
    table.get_by_role("link", name=title, exact=True).click()
    expect(j.page.get_by_role("heading", level=1)).to_contain_text(title)


def test_director(world, open_journey):
    """Director of B: activate B's draft (« Activée »), the cap gauge « … / 35 h 00 »,
    decline C's request to B with a reason, validate A's completed work for B."""
    director = world.directors["B"]
    draft = services.create_draft(
        world.technicians["B"], provider_id=world.establishments["A"].id, axis=2,
        nature="incident", description="Imprimante réseau du 2e étage hors service")
    to_decline = services.create_draft(
        world.technicians["C"], provider_id=world.establishments["B"].id, axis=3,
        nature="incident", description="Panne du serveur de messagerie")
    services.activate(to_decline, world.directors["C"])
    done = accepted(world, provider="A", beneficiary="B")
    today = local_today()
    day = today - timedelta(days=7)
    session(world, done, day, "08:00", "15:20", mode="onsite")  # 7 h 20 on site: billable
    services.complete(done, world.technicians["A"], "Baie de brassage refaite.")
    # The gauge counts this year's billable minutes received, pending or validated (R5).
    used = "7 h 20" if day.year == today.year else "0 h 00"
    j = open_journey()
    page = j.page

    j.login(director)
    gauge = page.locator(".gauge")
    expect(gauge).to_contain_text("Heures facturables reçues par votre établissement")
    expect(gauge.locator(".gauge-text")).to_have_text(f"{used} / 35 h 00")
    expect(page.locator(".card").filter(has_text="En attente de vous").locator(".big")
           ).to_have_text("3")
    j.check_accessibility("tableau de bord de la direction")

    _open_from(j, "À activer", draft.title)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Brouillon")
    page.get_by_role("button", name="Activer la demande").click()
    j.flash("Demande activée")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Activée")
    j.sees("En attente de la réponse de la direction de l'établissement Établissement A")
    j.check_accessibility("demande activée")

    _dashboard(j)
    _open_from(j, "À accepter ou refuser", to_decline.title)
    page.get_by_text("Refuser la demande", exact=True).first.click()
    page.get_by_label("Motif du refus").fill(
        "Notre technicien est en congé jusqu'à la fin du mois.")
    page.get_by_role("button", name="Refuser la demande").click()
    j.flash("Demande refusée")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refusée")
    expect(page.get_by_role("heading", name="Motif du refus")).to_be_visible()
    j.sees("Notre technicien est en congé jusqu'à la fin du mois.")

    _dashboard(j)
    _open_from(j, "À valider", done.title)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Terminée")
    j.sees("Baie de brassage refaite.")
    expect(page.locator("p.totals")).to_contain_text("facturable : 7 h 20")
    j.check_accessibility("intervention terminée, à valider")
    page.get_by_role("button", name="Valider les heures").click()
    j.flash("Heures validées : elles entrent dans la facturation.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Validée")
    expect(page.get_by_role("button", name="Valider les heures")).to_have_count(0)
    # What the validated work bills: 440 min × 25 € / 60 (worked example 5).
    expect(page.locator("#facturation")).to_contain_text(re.compile(r"183,33\s€ pour 7\sh\s20"))

    _dashboard(j)
    j.sees("Aucune demande à activer.")
    j.sees("Aucune demande à accepter.")
    j.sees("Aucune intervention à valider.")
    expect(page.locator(".gauge .gauge-text")).to_have_text(f"{used} / 35 h 00")
    j.screenshot()

    db.session.rollback()
    states = {i.id: i.state for i in db.session.scalars(select(Intervention))}
    assert states == {draft.id: State.ACTIVE, to_decline.id: State.DECLINED,
                      done.id: State.VALIDATED}
    assert db.session.get(Intervention, to_decline.id).decline_reason.startswith(
        "Notre technicien est en congé")
