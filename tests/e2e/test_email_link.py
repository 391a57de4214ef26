"""Journey: a director activates a request from the link of his e-mail (issue 13,
items 2 and 3), on his phone, without logging in; a mail scanner's GET and HEAD
before him change nothing; the audit log says « depuis le lien de l'e-mail »."""

from __future__ import annotations

import email
import email.policy
import re
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, State
from tests.e2e.conftest import PHONE, SCREENSHOTS, expect

pytestmark = [pytest.mark.emails, pytest.mark.commits, pytest.mark.slow]


def _state(intervention_id: int) -> State:
    db.session.rollback()  # read what the server committed
    return db.session.get(Intervention, intervention_id).state


def test_director_activates_from_the_e_mail(app, world, open_journey):
    director = world.directors["B"]
    draft = services.create_draft(
        world.technicians["B"], provider_id=world.establishments["A"].id, axis=2,
        nature="incident", description="Imprimante réseau du 2e étage hors service",
        estimated_onsite_minutes=480, estimated_remote_minutes=60)
    [eml] = Path(app.config["MAIL_OUTBOX"]).glob("*-intervention.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == director.email
    text = message.get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"Activer la demande : https?://[^/\s]+(/interventions/email/\S+)",
                     text)[1]
    j = open_journey(PHONE)
    page = j.page

    # The e-mail itself, as a phone's mail app shows its HTML: one column, no sideways scroll.
    page.set_content(message.get_body(preferencelist=("html",)).get_content())
    expect(page.get_by_role("link", name="Activer la demande")).to_be_visible()
    expect(page.get_by_text("Montant estimé")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "email_link_mail.png"), full_page=True)

    # A mail scanner fetches the link first (HEAD, GET): nothing happens.
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(j.base_url + path, method=method)
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 200
            assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert _state(draft.id) == State.DRAFT

    j.go(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la demande ?")
    j.sees("Établissement A")
    j.sees("8 h 00 sur site, 1 h 00 à distance")
    j.check_accessibility("confirmation depuis le lien de l'e-mail")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "email_link_confirm.png"), full_page=True)
    assert _state(draft.id) == State.DRAFT
    page.get_by_role("button", name="Activer la demande").click()
    j.flash("Demande activée")
    assert _state(draft.id) == State.ACTIVE
    j.sees("connectez-vous pour suivre la demande")  # the link did not log him in

    # The same link again: it has served.
    j.go(path)
    j.sees("Cette demande a déjà été activée par Direction B le")
    expect(page.get_by_role("button", name="Activer la demande")).to_have_count(0)

    j.login(director)
    j.go("/audit/")
    row = page.locator("tr").filter(has_text="Activation de la demande")
    expect(row).to_contain_text("depuis le lien de l'e-mail")
    expect(row).to_contain_text("Direction B")
    j.screenshot()
    db.session.rollback()
    assert [i.state for i in db.session.scalars(select(Intervention))] == [State.ACTIVE]
