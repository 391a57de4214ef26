"""Journey: a director names a stand-in before leaving (« Suppléance »), the stand-in
finds the request waiting for the director on her dashboard and activates it, the
request's page and the audit log say « pour la direction de … » (issue 13 item 1)."""

from __future__ import annotations

import email
import email.policy
import re
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, State
from gic.models import Role
from gic.timeutil import local_today
from tests.conftest import add_user
from tests.e2e.conftest import PHONE, expect

# Served in threads on their own connections: the journey's data is committed.
pytestmark = [pytest.mark.commits, pytest.mark.slow]

ON_BEHALF = "pour la direction de Établissement B (suppléance de Direction B)"


def test_standin(world, open_journey):
    """Director of B names B's technician for a week; the technician activates B's
    draft as stand-in; the director reads « pour la direction de » in the journal."""
    director, technician = world.directors["B"], world.technicians["B"]
    draft = services.create_draft(
        world.technicians["B"], provider_id=world.establishments["A"].id, axis=2,
        nature="incident", description="Standard téléphonique muet depuis ce matin")
    today = local_today()
    last = today + timedelta(days=6)

    j = open_journey(PHONE)
    page = j.page
    j.login(director)
    j.sees("Absence prévue ? Désignez la personne qui vous suppléera.")
    page.get_by_role("link", name="Gérer la suppléance").click()
    expect(page.get_by_role("heading", name="Suppléance de la direction", level=1)
           ).to_be_visible()
    j.check_accessibility("page Suppléance")
    page.get_by_label("Personne qui vous supplée").select_option(label="Technicien B (Technique)")
    page.get_by_label("Premier jour").fill(today.isoformat())
    page.get_by_label("Dernier jour (inclus)").fill(last.isoformat())
    page.get_by_role("button", name="Désigner").click()
    j.flash("Suppléance enregistrée : Technicien B vous supplée")
    row = page.locator("tbody tr").filter(has_text="Technicien B")
    expect(row).to_contain_text("en cours")
    expect(row.get_by_role("button", name="Mettre fin")).to_be_visible()

    k = open_journey(PHONE)
    stand_in = k.page
    k.login(technician)
    board = stand_in.locator(".standin-board")
    expect(board.get_by_role("heading", level=2)).to_contain_text(
        "Vous suppléez Direction B (Établissement B) jusqu'au")
    k.check_accessibility("tableau de bord de la suppléance")
    board.get_by_role("link", name=draft.title, exact=True).click()
    stand_in.get_by_role("button", name="Activer la demande").click()
    k.flash("Demande activée")
    expect(stand_in.get_by_role("heading", level=1)).to_contain_text("Activée")
    steps = stand_in.locator(".steps")
    expect(steps).to_contain_text(f"Activation de la demande · par Technicien B {ON_BEHALF}")
    k.check_accessibility("demande activée par la suppléance")
    k.screenshot()

    page.get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", name="Journal d'audit")).to_be_visible()
    first = page.locator("tbody tr").filter(has_text="Activation de la demande").first
    expect(first).to_contain_text(f"Technicien B {ON_BEHALF}")
    j.screenshot()

    db.session.rollback()
    assert db.session.get(Intervention, draft.id).state == State.ACTIVE
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "intervention.activate")).one()
    assert (entry.actor_id, entry.standin.director_id) == (technician.id, director.id)


@pytest.mark.emails
def test_standin_activates_from_the_link_of_the_e_mail(app, world, open_journey):
    """Issue 13's journey end to end: the director names a stand-in on the web; the
    request drafted afterwards reaches the stand-in's mailbox as a copy « (suppléance
    de …) » with its « Activer » link; a mail scanner's HEAD and GET change nothing;
    the stand-in confirms with the page's POST; the journal says both « pour la
    direction de » and « depuis le lien de l'e-mail »."""
    director = world.directors["B"]
    deputy = add_user(world.groupement, "adjointe.b@gic65.test", Role.TECHNICIAN,
                      world.establishments["B"], "Adjointe B")
    db.session.commit()
    today = local_today()

    j = open_journey(PHONE)
    page = j.page
    j.login(director)
    j.go("/standins/")
    page.get_by_label("Personne qui vous supplée").select_option(label="Adjointe B (Technique)")
    page.get_by_label("Premier jour").fill(today.isoformat())
    page.get_by_label("Dernier jour (inclus)").fill((today + timedelta(days=6)).isoformat())
    page.get_by_role("button", name="Désigner").click()
    j.flash("Suppléance enregistrée : Adjointe B vous supplée")

    draft = services.create_draft(
        world.technicians["B"], provider_id=world.establishments["A"].id, axis=2,
        nature="incident", description="Borne Wi-Fi de l'accueil hors service")
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in Path(app.config["MAIL_OUTBOX"]).glob("*-intervention.eml")]
    [copy] = [m for m in messages if m["To"] == deputy.email]
    assert "(suppléance de Direction B)" in copy["Subject"]
    text = copy.get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"Activer la demande : https?://[^/\s]+(/interventions/email/\S+)",
                     text)[1]

    for method in ("HEAD", "GET"):  # a mail scanner, before her
        with urllib.request.urlopen(urllib.request.Request(j.base_url + path,
                                                           method=method)) as answer:
            assert answer.status == 200
    db.session.rollback()
    assert db.session.get(Intervention, draft.id).state == State.DRAFT

    k = open_journey(PHONE)  # her phone, not logged in
    k.go(path)
    expect(k.page.get_by_role("heading", level=1)).to_have_text("Activer la demande ?")
    k.page.get_by_role("button", name="Activer la demande").click()
    k.flash("Demande activée")
    db.session.rollback()
    assert db.session.get(Intervention, draft.id).state == State.ACTIVE

    page.get_by_role("link", name="Journal").click()
    row = page.locator("tbody tr").filter(has_text="Activation de la demande").first
    expect(row).to_contain_text(f"Adjointe B {ON_BEHALF}")
    expect(row).to_contain_text("depuis le lien de l'e-mail")
    j.screenshot()
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "intervention.activate")).one()
    assert (entry.actor_id, entry.standin.director_id) == (deputy.id, director.id)
    assert entry.after["via"] == "email"
