"""The signed sheet and the beneficiary's reference through the API (issue 14, item 3)."""

from __future__ import annotations

from datetime import date

from gic.extensions import db
from gic.interventions.models import Intervention
from tests.helpers import accepted, session
from tests.services.test_intervention_sheet import SIGNED, data_url, png


def test_complete_with_signatures_then_download_the_stored_sheet(api, world, other_world):
    i = accepted(world)
    session(world, i, date(2026, 11, 20), "08:00", "10:30")
    path = f"/interventions/{i.id}"
    bad = api.post(path + "/complete", world.technicians["A"], json={
        "report": "Fait.", **SIGNED, "signatory_signature": data_url(png(50, 20))})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["field"] == "signatory_signature"
    assert api.get(path, world.directors["B"]).get_json()["state"] == "accepted"
    body = api.post(path + "/complete", world.technicians["A"],
                    json={"report": "Fait.", **SIGNED}).get_json()
    assert body["state"] == "completed" and body["signed_sheet"] is True
    first = api.get(path + "/sheet.pdf", world.directors["B"])
    second = api.get(path + "/sheet.pdf", world.accountant)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data == db.session.get(Intervention, i.id).sheet.pdf
    assert api.get(path + "/sheet.pdf", other_world.directors["X"]).status_code == 404
    assert api.get(path + "/sheet.pdf", world.directors["C"]).status_code == 404


def test_no_sheet_without_signatures(api, world):
    i = accepted(world)
    session(world, i, date(2026, 11, 20), "08:00", "10:30")
    body = api.post(f"/interventions/{i.id}/complete", world.technicians["A"],
                    json={"report": "Fait."}).get_json()
    assert body["signed_sheet"] is False
    assert api.get(f"/interventions/{i.id}/sheet.pdf", world.directors["B"]).status_code == 404


def test_the_reference_on_create_and_patch(api, world):
    created = api.post("/interventions", world.technicians["B"], json={
        "provider_id": world.establishments["A"].id, "axis": 2, "nature": "incident",
        "description": "Imprimante", "beneficiary_reference": "TCK-7"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["beneficiary_reference"] == "TCK-7"
    path = f"/interventions/{body['id']}"
    patched = api.patch(path, world.directors["B"], json={"beneficiary_reference": "TCK-8"})
    assert patched.status_code == 200 and patched.get_json()["beneficiary_reference"] == "TCK-8"
    listed = api.get("/interventions", world.technicians["B"]).get_json()["items"]
    assert listed[0]["beneficiary_reference"] == "TCK-8"
    long = api.patch(path, world.directors["B"], json={"beneficiary_reference": "x" * 61})
    assert long.status_code == 422
    assert long.get_json()["error"]["field"] == "beneficiary_reference"
    assert api.patch(path, world.directors["A"],
                     json={"beneficiary_reference": "X"}).status_code == 404  # a draft: unseen
    cleared = api.patch(path, world.technicians["B"], json={"beneficiary_reference": None})
    assert cleared.get_json()["beneficiary_reference"] is None
