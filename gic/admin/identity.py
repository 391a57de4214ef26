"""Establishments' billing identity (issue 15, item 1): what the documents print
about the payer. The coordinator edits it, the accountant reads it.

Scope: the groupement's establishments only (another groupement's is
:class:`NotFound`, like an unknown id); any other role is :class:`Forbidden`.
"""

from __future__ import annotations

import re

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gic.admin.services import _require_coordinator
from gic.audit.services import record
from gic.convention.constants import MAX_YEAR, MIN_YEAR
from gic.convention.rules import is_plausible_year
from gic.enums import N_
from gic.errors import InvalidField, NotFound
from gic.extensions import db
from gic.models import (
    Establishment,
    EstablishmentEngagement,
    PayerKind,
    User,
    VatRegime,
)
from gic.policy import authorize
from gic.siret import normalize_siret, siret_error

POSTAL_CODE_RE = re.compile(r"^\d{5}$")
CHORUS_CODE_RE = re.compile(r"^[A-Za-z0-9_\-./]{1,100}$")


def identity_in_scope(actor: User, establishment_id: int) -> Establishment:
    """An establishment of the actor's groupement, for the coordinator or the
    accountant (403 for other roles, 404 outside the groupement)."""
    authorize(actor, "admin.read_identity")
    e = db.session.get(Establishment, establishment_id)
    if e is None or e.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Établissement introuvable."))
    return e


def _snapshot(e: Establishment) -> dict:
    return {"legal_name": e.legal_name, "siret": e.siret,
            "payer_kind": str(e.payer_kind) if e.payer_kind else None,
            "vat_regime": str(e.vat_regime) if e.vat_regime else None,
            "street": e.street, "postal_code": e.postal_code, "city": e.city,
            "chorus_service_code": e.chorus_service_code,
            "engagements": {str(g.year): g.number for g in e.engagements}}


# The refusals of a text field: missing, too long (marked N_, translated when raised).
TEXT_REFUSALS = {
    "legal_name": (N_("Indiquez la raison sociale."),
                   N_("La raison sociale : %(limit)s caractères au plus.")),
    "street": (N_("Indiquez l'adresse (numéro et voie)."),
               N_("L'adresse (numéro et voie) : %(limit)s caractères au plus.")),
    "city": (N_("Indiquez la commune."), N_("La commune : %(limit)s caractères au plus.")),
}


def _text(value: str | None, field: str, limit: int, *,
          required: bool = True) -> str | None:
    value = " ".join((value or "").split()) if field != "street" else (value or "").strip()
    missing, too_long = TEXT_REFUSALS[field]
    if not value:
        if required:
            raise InvalidField(gettext(missing), field=field)
        return None
    if len(value) > limit:
        raise InvalidField(gettext(too_long, limit=limit), field=field)
    return value


def update_identity(actor: User, e: Establishment, *, legal_name: str, siret: str,
                    payer_kind: str, vat_regime: str, street: str, postal_code: str,
                    city: str, chorus_service_code: str | None = None,
                    engagement_year: int | None = None,
                    engagement_number: str | None = None) -> Establishment:
    """Check and save an establishment's billing identity, audited with before and
    after. An empty engagement number removes that year's number. Nothing changes
    when a field is refused."""
    _require_coordinator(actor)
    if e.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Établissement introuvable."))
    legal_name = _text(legal_name, "legal_name", 200)
    error = siret_error(siret)
    if error:
        raise InvalidField(error, field="siret")
    siret = normalize_siret(siret)
    try:
        kind = PayerKind(payer_kind)
    except ValueError:
        raise InvalidField(gettext("Choisissez un payeur public ou privé."),
                           field="payer_kind") from None
    try:
        regime = VatRegime(vat_regime)
    except ValueError:
        raise InvalidField(gettext("Choisissez le régime de TVA."), field="vat_regime") from None
    street = _text(street, "street", 300)
    postal_code = (postal_code or "").strip()
    if not POSTAL_CODE_RE.match(postal_code):
        raise InvalidField(gettext("Le code postal compte 5 chiffres."), field="postal_code")
    city = _text(city, "city", 100)
    code = (chorus_service_code or "").strip() or None
    number = " ".join((engagement_number or "").split()) or None
    if kind == PayerKind.PRIVATE and code:
        raise InvalidField(gettext("Le code service Chorus Pro ne concerne que les payeurs "
                                   "publics : laissez-le vide."), field="chorus_service_code")
    if kind == PayerKind.PRIVATE and number:
        raise InvalidField(gettext("Le numéro d'engagement ne concerne que les payeurs "
                                   "publics : laissez-le vide."), field="engagement_number")
    if code and not CHORUS_CODE_RE.match(code):
        raise InvalidField(gettext("Le code service Chorus Pro s'écrit sans espace, en 100 "
                                   "caractères au plus (lettres, chiffres, - _ . /)."),
                           field="chorus_service_code")
    if number and len(number) > 50:
        raise InvalidField(gettext("Le numéro d'engagement : 50 caractères au plus."),
                           field="engagement_number")
    if engagement_year is None or not is_plausible_year(engagement_year):
        if number:
            raise InvalidField(gettext("Indiquez l'année du numéro d'engagement "
                                       "(%(min)s à %(max)s).", min=MIN_YEAR, max=MAX_YEAR),
                               field="engagement_year")
        engagement_year = None

    before = _snapshot(e)
    e.legal_name, e.siret, e.payer_kind, e.vat_regime = legal_name, siret, kind, regime
    e.street, e.postal_code, e.city, e.chorus_service_code = street, postal_code, city, code
    if engagement_year is not None:
        current = db.session.scalar(select(EstablishmentEngagement).where(
            EstablishmentEngagement.establishment_id == e.id,
            EstablishmentEngagement.year == engagement_year))
        if number and current:
            current.number = number
        elif number:
            e.engagements.append(EstablishmentEngagement(year=engagement_year, number=number))
        elif current:
            e.engagements.remove(current)
    if kind == PayerKind.PRIVATE:
        e.engagements.clear()  # a private payer has none (and keeps none from before)
    db.session.flush()
    db.session.refresh(e, ["engagements"])
    after = _snapshot(e)
    if after != before:
        record(actor, "establishment.identity", e, before=before, after=after,
               establishment_id=e.id)
    db.session.commit()
    return e


def load_engagements(establishments: list[Establishment]) -> None:
    """Load the engagement numbers of many establishments in one query (a list that
    shows every identity), instead of one query per establishment."""
    ids = [e.id for e in establishments if e.id is not None]
    if ids:
        db.session.scalars(select(Establishment).where(Establishment.id.in_(ids))
                           .options(selectinload(Establishment.engagements))).all()
