"""Journey: on his phone, the technician completes with the signed sheet: the
beneficiary's staff present signs on the screen, then he does (issue 14, item 3)."""

from __future__ import annotations

from datetime import date

import pytest

from gic.extensions import db
from gic.interventions.models import Intervention, State
from tests.e2e.conftest import PHONE, SCREENSHOTS, expect
from tests.helpers import accepted, session

pytestmark = [pytest.mark.commits, pytest.mark.slow]


def sign(page, pad) -> None:
    """Draw a zigzag with the pointer across the pad's canvas."""
    canvas = page.locator(f"[data-signature-pad={pad}] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for px, py in ((0.25, 0.3), (0.4, 0.75), (0.55, 0.25), (0.7, 0.7), (0.85, 0.4)):
        page.mouse.move(x + w * px, y + h * py, steps=6)
    page.mouse.up()


def test_signed_sheet(world, open_journey):
    i = accepted(world, provider="A", beneficiary="B")
    session(world, i, date(2026, 11, 20), "08:00", "10:30")
    db.session.commit()
    j = open_journey(PHONE)
    page = j.page
    j.login(world.technicians["A"])
    j.go(f"/interventions/{i.id}")
    page.locator("#terminer > summary").click()
    form = page.locator("#terminer form")
    form.get_by_label("Compte rendu d'intervention").fill("Disque remplacé, RAID reconstruit.")
    # The script shows the signing part (hidden without JavaScript).
    expect(page.locator("fieldset.signing")).to_be_visible()
    form.get_by_label("Nom et fonction de la personne qui signe pour le bénéficiaire").fill(
        "Mme Ortiz, cadre de santé")
    # A stroke then « Effacer » empties the field again.
    sign(page, "signatory_signature")
    assert page.input_value("#signatory_signature").startswith("data:image/png;base64,")
    page.locator("[data-signature-pad=signatory_signature]").get_by_role(
        "button", name="Effacer").click()
    assert page.input_value("#signatory_signature") == ""
    sign(page, "signatory_signature")
    sign(page, "technician_signature")
    expect(page.locator("[data-signature-pad=technician_signature]")).to_contain_text(
        "Signature enregistrée.")
    j.check_accessibility("fin d'intervention avec signatures (téléphone)")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("fieldset.signing").screenshot(path=str(SCREENSHOTS / "signature-pads.png"))
    form.get_by_role("button", name="Terminer avec ce compte rendu").click()
    j.flash("Intervention terminée avec sa fiche signée")
    j.sees("Fiche signée")
    link = page.get_by_role("link", name="Télécharger la fiche signée (PDF)")
    pdf = page.request.get(j.base_url + link.get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    j.screenshot()
    db.session.expire_all()
    stored = db.session.get(Intervention, i.id)
    assert stored.state == State.COMPLETED
    assert stored.sheet.signatory_name == "Mme Ortiz, cadre de santé"
    assert pdf.body() == stored.sheet.pdf
