"""The signed intervention sheet (issue 14, item 3): signatures checked strictly, the
PDF printed once at completion and stored, the beneficiary's own reference."""

from __future__ import annotations

import base64
import io
import zlib
from datetime import date, datetime

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.errors import Forbidden, InvalidField, RuleRefused
from gic.extensions import db
from gic.interventions import services, sheet
from gic.interventions.models import Intervention, InterventionSheet, State
from tests.helpers import accepted, pdftotext, session


def png(width: int = 600, height: int = 200, *, drawn: bool = True, **save) -> bytes:
    """A canvas-like PNG: transparent, with a stroke when ``drawn``."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if drawn:
        ImageDraw.Draw(image).line([(20, 150), (120, 40), (260, 160), (400, 60)],
                                   fill=(16, 36, 62, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG", **save)
    return out.getvalue()


def data_url(content: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(content).decode()


SIGNED = {"signatory_name": "Mme Ortiz, cadre de santé",
          "signatory_signature": data_url(png()), "technician_signature": data_url(png())}


@pytest.fixture
def worked(world):
    """An accepted intervention with one session, ready to be completed."""
    i = accepted(world)
    session(world, i, date(2026, 11, 20), "08:00", "10:30")
    return i


def sheets() -> int:
    return db.session.scalar(select(func.count()).select_from(InterventionSheet))


def test_completion_with_both_signatures_stores_the_sheet_once(world, worked):
    services.complete(worked, world.technicians["A"], "Disque remplacé.", **SIGNED)
    db.session.expire_all()
    i = db.session.get(Intervention, worked.id)
    assert i.state == State.COMPLETED
    stored = i.sheet
    assert stored.signatory_name == "Mme Ortiz, cadre de santé"
    assert stored.technician_id == world.technicians["A"].id
    assert stored.technician_name == world.technicians["A"].name
    # The server's time (the clock is pinned at 11:00 in Paris, 10:00 UTC), the completion's.
    assert stored.signatory_signed_at == stored.technician_signed_at == i.completed_at
    assert stored.technician_signed_at.replace(second=0, microsecond=0) == datetime(
        2026, 11, 23, 10, 0)
    assert stored.pdf.startswith(b"%PDF") and stored.size == len(stored.pdf)
    # The signatures are kept as clean PNGs, re-encoded from their pixels.
    assert Image.open(io.BytesIO(stored.signatory_signature)).size == (600, 200)
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "intervention.sign")).all() == ["intervention.sign"]
    # Served as stored: the same bytes at every read, whoever reads.
    _, first = services.signed_sheet(world.directors["B"], i.id)
    _, second = services.signed_sheet(world.coordinator, i.id)
    assert first.pdf == second.pdf == stored.pdf
    assert sheets() == 1


def test_the_sheet_prints_the_request_sessions_report_signatures_and_reference(world):
    i = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Imprimante du 2e étage",
                              beneficiary_reference="TCK-2026-0042")
    services.activate(i, world.directors["B"])
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    session(world, i, date(2026, 11, 20), "08:00", "10:30")
    services.complete(i, world.technicians["A"], "Tambour changé, pilote à jour.", **SIGNED)
    text = pdf_text(i.sheet.pdf)
    for expected in ("Fiche d'intervention", "TCK-2026-0042", "Imprimante du 2e étage",
                     "Tambour changé, pilote à jour.", "Mme Ortiz, cadre de santé",
                     world.technicians["A"].name, "20 novembre 2026", "08:00–10:30",
                     "signé le 23 novembre 2026 à 11:00"):
        assert expected in text, expected


def pdf_text(content: bytes) -> str:
    """The words of a PDF, one space between them."""
    return " ".join(pdftotext(content).split())


def test_completion_without_signatures_stores_no_sheet(world, worked):
    services.complete(worked, world.technicians["A"], "Disque remplacé.")
    assert worked.state == State.COMPLETED
    assert sheets() == 0
    with pytest.raises(Exception) as refused:
        services.signed_sheet(world.directors["B"], worked.id)
    assert refused.value.status == 404


def _bad_values():
    big = Image.frombytes("RGBA", (1000, 1000), bytes(range(256)) * 15625)
    out = io.BytesIO()
    big.save(out, format="PNG", compress_level=0)  # ~4 MB: over the cap
    whole = png()
    truncated = whole[:len(whole) // 2]
    return {
        "not a data URL": "https://evil.example/x.png",
        "a JPEG data URL": "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff").decode(),
        "not base64": "data:image/png;base64,@@@not-base64@@@",
        "not a PNG": data_url(b"GIF89a" + b"\0" * 100),
        "a truncated PNG": data_url(truncated),
        "too heavy": data_url(out.getvalue()),
        "too small": data_url(png(50, 20)),
        "too large": data_url(png(3000, 200)),
        "blank": data_url(png(drawn=False)),
        "a bomb": data_url(_bomb()),
    }


def _bomb() -> bytes:
    """A small PNG whose header claims 60000 × 60000 pixels."""
    import struct

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 6, 0, 0, 0)
    return (sheet.PNG_MAGIC + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("case", list(_bad_values()))
@pytest.mark.parametrize("field", ["signatory_signature", "technician_signature"])
def test_a_bad_signature_is_refused_and_nothing_changes(world, worked, case, field):
    values = dict(SIGNED, **{field: _bad_values()[case]})
    with pytest.raises(InvalidField) as refused:
        services.complete(worked, world.technicians["A"], "Disque remplacé.", **values)
    assert refused.value.field == field
    assert "signez" in refused.value.message
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Intervention, worked.id).state == State.ACCEPTED
    assert db.session.get(Intervention, worked.id).report is None
    assert sheets() == 0


@pytest.mark.parametrize(("missing", "field"), [
    ("signatory_name", "signatory_name"),
    ("signatory_signature", "signatory_signature"),
    ("technician_signature", "technician_signature"),
])
def test_one_signature_calls_for_the_name_and_both(world, worked, missing, field):
    values = dict(SIGNED, **{missing: ""})
    with pytest.raises(InvalidField) as refused:
        services.complete(worked, world.technicians["A"], "Disque remplacé.", **values)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.get(Intervention, worked.id).state == State.ACCEPTED
    assert sheets() == 0


def test_only_the_assigned_technician_completes_with_a_sheet(world, worked):
    with pytest.raises(Forbidden):
        services.complete(worked, world.directors["A"], "Disque remplacé.", **SIGNED)
    db.session.rollback()
    assert sheets() == 0


def test_the_reference_is_kept_on_the_draft_and_changed_by_the_beneficiary(world, worked):
    i = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Panne",
                              beneficiary_reference="  GLPI-118 ")
    assert i.beneficiary_reference == "GLPI-118"
    services.set_reference(i, world.directors["B"], "GLPI-119")
    assert i.beneficiary_reference == "GLPI-119"
    services.set_reference(i, world.technicians["B"], "")
    assert i.beneficiary_reference is None
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "intervention.reference")).all()
    assert [e.after for e in entries] == [{"beneficiary_reference": "GLPI-119"},
                                          {"beneficiary_reference": None}]


def test_the_reference_is_refused_too_long_by_others_and_after_validation(world, worked):
    with pytest.raises(InvalidField) as refused:
        services.set_reference(worked, world.technicians["B"], "x" * 61)
    assert refused.value.field == "beneficiary_reference"
    db.session.rollback()
    for outsider in (world.technicians["A"], world.directors["A"], world.coordinator):
        with pytest.raises(Forbidden):
            services.set_reference(worked, outsider, "R-1")
    services.complete(worked, world.technicians["A"], "Fait.")
    services.validate(worked, world.directors["B"])
    with pytest.raises(RuleRefused):
        services.set_reference(worked, world.technicians["B"], "R-2")
    db.session.rollback()
    assert db.session.get(Intervention, worked.id).beneficiary_reference is None
