"""The shape of API answers, as pydantic models: the OpenAPI document's response schemas.

They describe what :mod:`gic.api.serializers` writes (ids, ISO dates, minutes as
integers, money as strings); schemathesis checks every answer against them
(tests/security/test_schemathesis.py). A model marked ``inline`` is written inside the
schema that uses it, one marked ``extends`` as ``allOf`` its base model plus its own
fields (see :func:`gic.api.fields.components`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from gic.api import fields, schemas
from gic.api.fields import about
from gic.finess import FINESS_RE
from gic.interventions.permissions import WORKFLOW

Money = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["183.33"])]
SignedMoney = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["-12.50"])]
Hhmm = Annotated[str, Field(pattern=fields.TIME_RE.pattern, examples=["09:00"])]
Minutes = Annotated[int, Field(ge=0)]


class Doc(BaseModel):
    """A response schema (never instantiated: the serializers write dicts)."""

    inline: ClassVar[bool] = False
    extends: ClassVar[bool] = False


class ErrorBody(Doc):
    model_config = ConfigDict(extra="allow")
    inline = True
    code: str
    message: str = about("En français.")
    field: str = about("Champ en cause (400, 422).", default=None)
    remaining_minutes: int = about("Minutes facturables restantes (refus de plafond, 409) "
                                  "ou minutes commandées restantes (order_exceeded, 409).",
                                  default=None)


class Error(Doc):
    error: ErrorBody


class Token(Doc):
    token: str = about("Montré une seule fois.")
    id: int
    prefix: str
    expires_at: dt.datetime | None = about("null : jusqu'à la révocation.")


class Engagement(Doc):
    inline = True
    year: int
    number: str


class BillingIdentity(Doc):
    legal_name: str
    siret: str = Field(pattern=r"^\d{14}$")
    payer_kind: Literal["public", "private"]
    vat_regime: Literal["not_subject", "subject"] = about(
        "not_subject : « non assujetti à la TVA » sur les documents.")
    street: str
    postal_code: str = Field(pattern=r"^\d{5}$")
    city: str
    chorus_service_code: str | None = about("Payeur public (Chorus Pro).")
    engagements: list[Engagement]


class Establishment(Doc):
    id: int
    name: str
    finess: str = Field(pattern=FINESS_RE.pattern)
    status: Literal["member", "candidate", "not_admitted"] = about(
        "Un établissement ajouté après la constitution du groupement est candidat jusqu'à "
        "l'approbation des directions membres (unanimité, ou vote pondéré en heures "
        "commandées).", default=None)
    billing_identity: BillingIdentity | None = about(
        "Coordination et comptabilité seulement (absent pour les autres rôles) ; null tant "
        "qu'elle n'est pas saisie.", default=None)


class EstablishmentList(Doc):
    items: list[Establishment]


class User(Doc):
    id: int
    email: str
    name: str
    role: Literal[tuple(schemas.ROLE["enum"])]
    establishment_id: int | None
    groupement_id: int
    active: bool


class UserList(Doc):
    items: list[User]


class Standin(Doc):
    id: int
    establishment_id: int
    director_id: int = about("La direction suppléée.")
    standin_id: int = about("La personne qui la supplée.")
    starts_on: dt.date
    ends_on: dt.date = about("Dernier jour, inclus.")


class Groupement(Doc):
    inline = True
    id: int
    name: str


class Me(User):
    extends = True
    establishment: Establishment | None
    groupement: Groupement
    standins: list[Standin] = about(
        "Suppléances de direction : celles en vigueur aujourd'hui où l'utilisateur supplée "
        "une direction (son jeton fait alors les actions de cette direction pour "
        "l'établissement : activer, accepter, refuser, valider, annuler), puis celles "
        "qu'il a désignées, en cours ou à venir.")


class Intervention(Doc):
    id: int
    state: Literal[tuple(schemas.STATES)]
    beneficiary_id: int
    provider_id: int
    axis: int = Field(ge=1, le=5)
    nature: Literal[tuple(schemas.NATURES)]
    description: str
    urgency: Literal[tuple(schemas.URGENCIES)]
    estimated_onsite_minutes: int
    estimated_remote_minutes: int
    threshold_minutes: int
    technician_id: int | None
    decline_reason: str | None
    secondment_id: int | None = about("Détachement temporaire (R8) sous lequel "
                                     "l'intervention est facturée, hors plafond ; null sinon.")
    report: str | None
    created_by_id: int
    beneficiary_reference: str | None = about(schemas.REFERENCE_DESCRIPTION)
    created_at: dt.datetime | None
    activated_at: dt.datetime | None
    decided_at: dt.datetime | None
    completed_at: dt.datetime | None
    validated_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    updated_at: dt.datetime | None


THIS_YEAR = "L'année civile en cours (heure du groupement)."


class Cap(Doc):
    inline = True
    year: int = about(THIS_YEAR)
    cap_minutes: int = about("Plafond annuel de l'année (R5).")
    billable_minutes: int = about("Minutes facturables du bénéficiaire cette année, tous "
                                 "prestataires, en attente et validées.")
    remaining_minutes: Minutes = about("Minutes facturables restantes.")


class Threshold(Doc):
    inline = True
    threshold_minutes: int = about("Seuil de gratuité de l'intervention.")
    counted_minutes: int = about("Minutes sur site de l'intervention, toutes années (le "
                                "distanciel ne compte pas).")
    reached: bool = about("Seuil atteint : tout le sur-site est facturable (R3).")


class OrderedHours(Doc):
    inline = True
    year: int = about(THIS_YEAR)
    ordered_minutes: int = about("Heures commandées par le bénéficiaire pour l'année "
                                "(minutes).")
    consumed_minutes: int = about("Minutes consommées par ses séances de l'année, sur site "
                                 "et à distance, tous prestataires.")
    remaining_minutes: Minutes = about("Minutes commandées restantes.")
    over_minutes: Minutes = about("Minutes au-delà de la commande.")
    percent: int = about("Consommé, en % entier de la commande.")
    overrun_allowed: bool = about("La version permet de dépasser les heures commandées "
                                 "(sinon la séance est refusée, 409 order_exceeded).")
    threshold_minutes: int = about("Seuil de la version (0 : toutes les minutes comptent).")


class InterventionDetail(Intervention):
    extends = True
    sessions: list[Session]
    onsite_minutes: int
    remote_minutes: int
    billable_minutes: int = about("R1–R3 : tout le sur-site si le seuil est atteint, sinon "
                                 "0 ; 0 sous un détachement (facturé selon ses termes).")
    billable_minutes_by_year: dict[str, int]
    cap: Cap | None = about("Le plafond du bénéficiaire ; null sous un détachement (R8) ou "
                           "pour une demande annulée ou refusée.")
    threshold: Threshold | None = about("null dans les mêmes cas que cap.")
    ordered_hours: OrderedHours | None = about(
        "Modèle des heures commandées (issue 16) : les heures commandées du bénéficiaire "
        "pour l'année en cours, à la place de cap et threshold (alors null) ; null dans le "
        "modèle par intervention, sous un détachement ou pour une demande annulée ou "
        "refusée.")
    actions: list[Literal[tuple(WORKFLOW)]] = about("Ce que l'appelant peut faire maintenant.")
    signed_sheet: bool = about("Une fiche signée est enregistrée (GET …/sheet.pdf).")


class InterventionPage(Doc):
    items: list[Intervention]
    page: int
    per_page: int = Field(le=100)
    total: int


class Session(Doc):
    id: int
    intervention_id: int
    technician_id: int
    date: dt.date
    start: Hhmm
    end: Hhmm
    mode: Literal[tuple(schemas.MODE["enum"])]
    minutes: int = about("Minutes exactes (heure de Paris).")
    notes: str
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


class Line(Doc):
    inline = True
    provider_id: int
    beneficiary_id: int
    billable_minutes: int
    amount: Money


class Pending(Doc):
    inline = True
    intervention_id: int
    provider_id: int
    beneficiary_id: int
    billable_minutes: int


class CapUse(Doc):
    inline = True
    beneficiary_id: int
    billable_minutes: int
    cap_minutes: int
    remaining_minutes: int


class Settlement(Doc):
    inline = True
    from_id: int
    to_id: int
    amount: Money


class SecondmentLine(Doc):
    inline = True
    secondment_id: int
    project: str
    provider_id: int
    beneficiary_id: int
    pricing: Literal["hourly", "lump_sum"]
    hourly_rate: Money | None
    lump_sum: Money | None
    start_date: dt.date
    end_date: dt.date
    billable_minutes: int = about("Minutes validées de l'année.")
    pending_minutes: int = about("Minutes de l'année pas encore validées (non facturées).")
    amount: Money


class Billing(Doc):
    year: int
    closed: bool
    lines: list[Line] = about("Interventions validées seulement.")
    pending: list[Pending]
    beneficiaries: list[CapUse] = about("Usage du plafond (en attente et validé).")
    settlements: list[Settlement] = about("Soldes nets (validé seulement).")
    secondments: list[SecondmentLine] = about(
        "Détachements temporaires (R8) approuvés dont la période touche l'année, à part des "
        "paires et des soldes : chaque ligne est un règlement (le bénéficiaire paie le "
        "prestataire). Taux horaire : minutes validées de l'année (sur site et à distance) "
        "× taux, arrondi une fois ; forfait : en entier l'année de fin de période.")
    model: Literal["per_intervention", "ordered_hours"] = about(
        "Modèle de la convention de l'année (version en vigueur au 1er janvier).")
    ordered_hours: OrderedFigures | None = about(
        "Modèle des heures commandées : heures commandées, consommées, appelées et "
        "régularisées par participant (lines, pending, beneficiaries et settlements sont "
        "alors vides) ; null dans le modèle par intervention.")


class OrderedRow(Doc):
    establishment_id: int | None = about("null pour les totaux.")
    participation: Literal["member", "user"] | None = about(
        "Membre (vote) ou utilisateur ; null pour les totaux.")
    ordered_minutes: int
    consumed_minutes: int
    remaining_minutes: int
    over_minutes: int
    percent: int
    ordered_amount: Money = about("Heures commandées × taux.")
    consumed_amount: Money = about("Heures consommées × taux.")
    called: Money = about("Appels provisionnels en vigueur.")
    regularised: SignedMoney = about("Régularisation : compléments − remboursements + parts "
                                    "du déficit − parts de l'excédent.")
    balance: SignedMoney = about("Consommé × taux − appelé : > 0 un complément à venir, < 0 "
                                "un remboursement.")


class OrderedFigures(Doc):
    rate: Money
    budget: Money = about("Voté, sinon Σ heures commandées × taux.")
    voted: bool
    voted_on: dt.date | None
    regularised: bool = about("La régularisation de l'année est émise.")
    participants: list[OrderedRow]
    totals: OrderedRow


class YearClosure(Doc):
    year: int
    closed: bool
    closed_at: dt.datetime | None
    closed_by_id: int


class Statement(Doc):
    id: int
    number: str = Field(examples=["GIC65-2025-0001"])
    kind: Literal["statement", "credit"] = about("Relevé de règlement, ou avoir qui en "
                                                "annule un.")
    year: int
    issued_on: dt.date
    payer_id: int = about("Débiteur (acheteur).")
    payee_id: int = about("Créancier (vendeur, prestataire).")
    amount: Money
    cancels_id: int | None = about("Avoir : le relevé annulé.")
    cancelled: bool = about("Relevé annulé par un avoir.")
    pdf_sha256: str
    pdf_url: str
    facturx_url: str | None = about("null : une partie n'a pas de SIRET.")
    facturx_missing: str | None = about("Pourquoi le Factur-X manque.")


class RecoveryPack(Doc):
    inline = True
    establishment_id: int
    url: str


class StatementList(Doc):
    year: int
    closed: bool
    documents: list[Statement]
    recovery_packs: list[RecoveryPack] = about("Créanciers publics de l'année : ZIP des "
                                              "ordres de recouvrement.")


class Bilan(Doc):
    year: int
    version: int = Field(ge=1)
    status: Literal["draft", "published"]
    computed_at: dt.datetime | None
    published_at: dt.datetime | None
    data: dict[str, Any] = about(
        "Instantané du bilan (figé une fois publié) : minutes entières, montants en "
        "chaînes \"183.33\", identifiants des établissements de « establishments ».",
        json_schema_extra={"required": [
            "year", "groupement", "convention", "establishments", "totals", "by_axis",
            "per_establishment", "matrix", "billing", "pending", "months", "meetings"]})


for _model in fields.subclasses(Doc):
    _model.model_rebuild()
MODELS = (Error, Token, Establishment, BillingIdentity, EstablishmentList, User, UserList,
          Standin, Me, Intervention, InterventionDetail, InterventionPage, Session, Billing,
          OrderedRow, OrderedFigures, YearClosure, Statement, StatementList, Bilan)


def components() -> dict[str, Any]:
    """The response schemas by name, for ``components/schemas``."""
    return fields.components(MODELS, Doc)
