"""The signed intervention sheet: signatures drawn on the touchscreen, and its PDF.

At completion the technician may have the beneficiary's staff present sign on a
canvas (``static/signature.js`` writes a PNG data URL into a hidden field), then
signs himself. :func:`read_signatures` checks what the browser sent, strictly
(a hostile client sends anything); :func:`render_pdf` prints the sheet (request,
sessions, report, both signatures with names and times) from
``templates/interventions/sheet.html`` through WeasyPrint. The PDF is rendered
once, stored with the signatures (:class:`gic.interventions.models.InterventionSheet`)
and then served as stored: the same bytes at every download. No Flask request here.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import gettext, lazy_gettext

from gic import pdf
from gic.errors import InvalidField
from gic.extensions import db
from gic.formatting import long_datetime
from gic.i18n import in_french
from gic.interventions.models import NAME_MAX, Intervention, InterventionSheet
from gic.models import Groupement
from gic.registers import clean_text

DATA_URL_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 200_000  # a signature of a 600 × 200 canvas weighs 5 to 30 KB
MIN_WIDTH, MIN_HEIGHT = 100, 40
MAX_WIDTH, MAX_HEIGHT = 2000, 1000
PRINT_CSS = "sheet-print.css"

SIGNATORY_LABEL = lazy_gettext("La signature de l'établissement bénéficiaire")
TECHNICIAN_LABEL = lazy_gettext("Votre signature")


@dataclass(frozen=True)
class Signatures:
    """What the two signatories gave: the beneficiary's staff name and both PNGs
    (re-encoded by Pillow: nothing but the pixels is kept)."""

    signatory_name: str
    signatory_png: bytes
    technician_png: bytes


def decode_signature(value: str | None, field: str, label: str) -> bytes | None:
    """The PNG of a signature data URL, checked and re-encoded; ``None`` when empty.

    Refused (:class:`InvalidField`, in French): not a PNG data URL, not base64,
    over :data:`MAX_SIGNATURE_BYTES`, not a PNG Pillow can read, dimensions out of
    bounds, or nothing drawn (every pixel transparent or white).
    """
    value = (value or "").strip()
    if not value:
        return None
    refused = InvalidField(gettext("%(label)s est illisible : effacez-la et signez de nouveau.",
                                   label=label),
                           field=field)
    if not value.startswith(DATA_URL_PREFIX):
        raise refused
    encoded = value[len(DATA_URL_PREFIX):]
    if len(encoded) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        raise InvalidField(gettext("%(label)s est trop lourde (%(size)s Ko au plus) : "
                                   "effacez-la et signez de nouveau.", label=label,
                                   size=MAX_SIGNATURE_BYTES // 1000), field=field)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise refused from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise InvalidField(gettext("%(label)s est trop lourde (%(size)s Ko au plus) : "
                                   "effacez-la et signez de nouveau.", label=label,
                                   size=MAX_SIGNATURE_BYTES // 1000), field=field)
    if not data.startswith(PNG_MAGIC):
        raise refused
    return _clean_png(data, refused, field, label)


def _clean_png(data: bytes, refused: InvalidField, field: str, label: str) -> bytes:
    """Decode with Pillow (dimensions checked before the pixels are read) and write
    the pixels again as a plain RGBA PNG."""
    from PIL import Image, ImageOps  # WeasyPrint's dependency, imported with it: lazily

    try:
        # verify() reads every chunk and its checksum, to IEND: a truncated or altered
        # file is refused even though WeasyPrint tells Pillow to load truncated images.
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_HEIGHT <= height <= MAX_HEIGHT):
                raise InvalidField(
                    gettext("%(label)s a une taille inattendue (%(width)s × %(height)s "
                            "pixels) : effacez-la et signez de nouveau.", label=label,
                            width=width, height=height), field=field)
            pixels = image.convert("RGBA")
    except InvalidField:
        raise
    except Exception:  # Pillow raises many kinds for a broken file
        raise refused from None
    # Something drawn: on white paper, a pixel that is not white.
    on_paper = Image.alpha_composite(Image.new("RGBA", pixels.size, "white"), pixels)
    if ImageOps.invert(on_paper.convert("L")).getbbox() is None:
        raise InvalidField(gettext("%(label)s est vide : signez dans le cadre.", label=label),
                           field=field)
    out = io.BytesIO()
    pixels.save(out, format="PNG")
    return out.getvalue()


def read_signatures(signatory_name: str | None, signatory_signature: str | None,
                    technician_signature: str | None) -> Signatures | None:
    """The signatures given at completion, or ``None`` when none is (no JavaScript,
    or no sheet wanted). One given calls for all three: the name of the beneficiary's
    staff who signs, his signature and the technician's."""
    name = clean_text(signatory_name, "signatory_name", label=gettext("Le nom du signataire"),
                      max_length=NAME_MAX)
    signatory = decode_signature(signatory_signature, "signatory_signature", SIGNATORY_LABEL)
    technician = decode_signature(technician_signature, "technician_signature",
                                  TECHNICIAN_LABEL)
    if not (name or signatory or technician):
        return None
    if signatory is None:
        raise InvalidField(gettext("Faites signer la personne présente de l'établissement "
                                   "bénéficiaire dans le cadre, ou videz la partie « Fiche "
                                   "signée » pour terminer sans fiche signée."),
                           field="signatory_signature")
    if not name:
        raise InvalidField(gettext("Indiquez le nom de la personne qui signe pour "
                                   "l'établissement bénéficiaire."), field="signatory_name")
    if technician is None:
        raise InvalidField(gettext("Signez à votre tour dans le cadre « Signature du "
                                   "technicien »."),
                           field="technician_signature")
    return Signatures(name, signatory, technician)


def data_url(png: bytes) -> str:
    """A stored PNG as the data URL the sheet's template embeds."""
    return DATA_URL_PREFIX + base64.b64encode(png).decode("ascii")


def sheet_context(i: Intervention, sheet: InterventionSheet, *, report: str,
                  completed_at: datetime) -> dict:
    """What ``interventions/sheet.html`` reads (the report and completion time are
    passed: the sheet is printed in the completion's transaction, before they are set)."""
    groupement = db.session.get(Groupement, i.groupement_id)
    tz = groupement.timezone

    def local(utc_naive: datetime) -> str:  # « 23 novembre 2026 à 12:00 », in the groupement
        return long_datetime(utc_naive.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))
                             .replace(tzinfo=None))

    return {"i": i, "sheet": sheet, "report": report, "sessions": list(i.sessions),
            "totals": i.totals(), "groupement": groupement, "tz": tz,
            "stamp": completed_at, "completed_text": local(completed_at),
            "created_text": local(i.created_at),
            "signatory_text": local(sheet.signatory_signed_at),
            "technician_text": local(sheet.technician_signed_at),
            "signatory_png": data_url(sheet.signatory_signature),
            "technician_png": data_url(sheet.technician_signature)}


def render_pdf(i: Intervention, sheet: InterventionSheet, *, report: str,
               completed_at: datetime) -> bytes:
    """The sheet as PDF, in French (the parties' document); its metadata dates are the
    completion's, so the same sheet always prints the same bytes."""
    with in_french():
        html = render_template("interventions/sheet.html", **sheet_context(
            i, sheet, report=report, completed_at=completed_at))
    return pdf.write_pdf(html, static=PRINT_CSS, protocols=("data",),  # the signatures only
                         pdf_tags=True)


def file_name(i: Intervention) -> str:
    """« fiche-intervention-12.pdf »."""
    return f"fiche-intervention-{i.id}.pdf"
