"""The shape of API answers, as pydantic models: the OpenAPI document's response schemas.

They describe what :mod:`gic.api.serializers` writes (ids, ISO dates, minutes as
integers, money as strings); schemathesis checks every answer against them
(tests/security/test_schemathesis.py). A model marked ``inline`` is written inside the
schema that uses it, one whose ``extends`` names a model as ``allOf`` that model plus
its own fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from gic.admin.services import FINESS_RE
from gic.api import fields, schemas
from gic.interventions.permissions import RULES

Money = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["183.33"])]
SignedMoney = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["-12.50"])]
Hhmm = Annotated[str, Field(pattern=fields.TIME_RE.pattern, examples=["09:00"])]
Minutes = Annotated[int, Field(ge=0)]


def Text(description: str, **schema: Any) -> Any:
    return Field(description=description, **schema)


class Doc(BaseModel):
    """A response schema (never instantiated: the serializers write dicts)."""

    inline: ClassVar[bool] = False
    extends: ClassVar[bool] = False


class ErrorBody(Doc):
    model_config = ConfigDict(extra="allow")
    inline = True
    code: str
    message: str = Text("En français.")
    field: str = Text("Champ en cause (400, 422).", default=None)
    remaining_minutes: int = Text("Minutes facturables restantes (refus de plafond, 409) "
                                  "ou minutes commandées restantes (order_exceeded, 409).",
                                  default=None)


class Error(Doc):
    error: ErrorBody


class Token(Doc):
    token: str = Text("Montré une seule fois.")
    id: int
    prefix: str
    expires_at: dt.datetime | None = Text("null : jusqu'à la révocation.")


class Engagement(Doc):
    inline = True
    year: int
    number: str


class BillingIdentity(Doc):
    legal_name: str
    siret: str = Field(pattern=r"^\d{14}$")
    payer_kind: Literal["public", "private"]
    vat_regime: Literal["not_subject", "subject"] = Text(
        "not_subject : « non assujetti à la TVA » sur les documents.")
    street: str
    postal_code: str = Field(pattern=r"^\d{5}$")
    city: str
    chorus_service_code: str | None = Text("Payeur public (Chorus Pro).")
    engagements: list[Engagement]


class Establishment(Doc):
    id: int
    name: str
    finess: str = Field(pattern=FINESS_RE.pattern)
    status: Literal["member", "candidate", "not_admitted"] = Text(
        "Un établissement ajouté après la constitution du groupement est candidat jusqu'à "
        "l'approbation des directions membres (unanimité, ou vote pondéré en heures "
        "commandées).", default=None)
    billing_identity: BillingIdentity | None = Text(
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
    director_id: int = Text("La direction suppléée.")
    standin_id: int = Text("La personne qui la supplée.")
    starts_on: dt.date
    ends_on: dt.date = Text("Dernier jour, inclus.")


class Groupement(Doc):
    inline = True
    id: int
    name: str


class Me(User):
    extends = True
    establishment: Establishment | None
    groupement: Groupement
    standins: list[Standin] = Text(
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
    secondment_id: int | None = Text("Détachement temporaire (R8) sous lequel "
                                     "l'intervention est facturée, hors plafond ; null sinon.")
    report: str | None
    created_by_id: int
    beneficiary_reference: str | None = Text(schemas.REFERENCE_DESCRIPTION)
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
    year: int = Text(THIS_YEAR)
    cap_minutes: int = Text("Plafond annuel de l'année (R5).")
    billable_minutes: int = Text("Minutes facturables du bénéficiaire cette année, tous "
                                 "prestataires, en attente et validées.")
    remaining_minutes: Minutes = Text("Minutes facturables restantes.")


class Threshold(Doc):
    inline = True
    threshold_minutes: int = Text("Seuil de gratuité de l'intervention.")
    counted_minutes: int = Text("Minutes sur site de l'intervention, toutes années (le "
                                "distanciel ne compte pas).")
    reached: bool = Text("Seuil atteint : tout le sur-site est facturable (R3).")


class OrderedHours(Doc):
    inline = True
    year: int = Text(THIS_YEAR)
    ordered_minutes: int = Text("Heures commandées par le bénéficiaire pour l'année "
                                "(minutes).")
    consumed_minutes: int = Text("Minutes consommées par ses séances de l'année, sur site "
                                 "et à distance, tous prestataires.")
    remaining_minutes: Minutes = Text("Minutes commandées restantes.")
    over_minutes: Minutes = Text("Minutes au-delà de la commande.")
    percent: int = Text("Consommé, en % entier de la commande.")
    overrun_allowed: bool = Text("La version permet de dépasser les heures commandées "
                                 "(sinon la séance est refusée, 409 order_exceeded).")
    threshold_minutes: int = Text("Seuil de la version (0 : toutes les minutes comptent).")


class InterventionDetail(Intervention):
    extends = True
    sessions: list[Session]
    onsite_minutes: int
    remote_minutes: int
    billable_minutes: int = Text("R1–R3 : tout le sur-site si le seuil est atteint, sinon "
                                 "0 ; 0 sous un détachement (facturé selon ses termes).")
    billable_minutes_by_year: dict[str, int]
    cap: Cap | None = Text("Le plafond du bénéficiaire ; null sous un détachement (R8) ou "
                           "pour une demande annulée ou refusée.")
    threshold: Threshold | None = Text("null dans les mêmes cas que cap.")
    ordered_hours: OrderedHours | None = Text(
        "Modèle des heures commandées (issue 16) : les heures commandées du bénéficiaire "
        "pour l'année en cours, à la place de cap et threshold (alors null) ; null dans le "
        "modèle par intervention, sous un détachement ou pour une demande annulée ou "
        "refusée.")
    actions: list[Literal[tuple(RULES)]] = Text("Ce que l'appelant peut faire maintenant.")
    signed_sheet: bool = Text("Une fiche signée est enregistrée (GET …/sheet.pdf).")


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
    minutes: int = Text("Minutes exactes (heure de Paris).")
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
    billable_minutes: int = Text("Minutes validées de l'année.")
    pending_minutes: int = Text("Minutes de l'année pas encore validées (non facturées).")
    amount: Money


class Billing(Doc):
    year: int
    closed: bool
    lines: list[Line] = Text("Interventions validées seulement.")
    pending: list[Pending]
    beneficiaries: list[CapUse] = Text("Usage du plafond (en attente et validé).")
    settlements: list[Settlement] = Text("Soldes nets (validé seulement).")
    secondments: list[SecondmentLine] = Text(
        "Détachements temporaires (R8) approuvés dont la période touche l'année, à part des "
        "paires et des soldes : chaque ligne est un règlement (le bénéficiaire paie le "
        "prestataire). Taux horaire : minutes validées de l'année (sur site et à distance) "
        "× taux, arrondi une fois ; forfait : en entier l'année de fin de période.")
    model: Literal["per_intervention", "ordered_hours"] = Text(
        "Modèle de la convention de l'année (version en vigueur au 1er janvier).")
    ordered_hours: OrderedFigures | None = Text(
        "Modèle des heures commandées : heures commandées, consommées, appelées et "
        "régularisées par participant (lines, pending, beneficiaries et settlements sont "
        "alors vides) ; null dans le modèle par intervention.")


class OrderedRow(Doc):
    establishment_id: int | None = Text("null pour les totaux.")
    participation: Literal["member", "user"] | None = Text(
        "Membre (vote) ou utilisateur ; null pour les totaux.")
    ordered_minutes: int
    consumed_minutes: int
    remaining_minutes: int
    over_minutes: int
    percent: int
    ordered_amount: Money = Text("Heures commandées × taux.")
    consumed_amount: Money = Text("Heures consommées × taux.")
    called: Money = Text("Appels provisionnels en vigueur.")
    regularised: SignedMoney = Text("Régularisation : compléments − remboursements + parts "
                                    "du déficit − parts de l'excédent.")
    balance: SignedMoney = Text("Consommé × taux − appelé : > 0 un complément à venir, < 0 "
                                "un remboursement.")


class OrderedFigures(Doc):
    rate: Money
    budget: Money = Text("Voté, sinon Σ heures commandées × taux.")
    voted: bool
    voted_on: dt.date | None
    regularised: bool = Text("La régularisation de l'année est émise.")
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
    kind: Literal["statement", "credit"] = Text("Relevé de règlement, ou avoir qui en "
                                                "annule un.")
    year: int
    issued_on: dt.date
    payer_id: int = Text("Débiteur (acheteur).")
    payee_id: int = Text("Créancier (vendeur, prestataire).")
    amount: Money
    cancels_id: int | None = Text("Avoir : le relevé annulé.")
    cancelled: bool = Text("Relevé annulé par un avoir.")
    pdf_sha256: str
    pdf_url: str
    facturx_url: str | None = Text("null : une partie n'a pas de SIRET.")
    facturx_missing: str | None = Text("Pourquoi le Factur-X manque.")


class RecoveryPack(Doc):
    inline = True
    establishment_id: int
    url: str


class StatementList(Doc):
    year: int
    closed: bool
    documents: list[Statement]
    recovery_packs: list[RecoveryPack] = Text("Créanciers publics de l'année : ZIP des "
                                              "ordres de recouvrement.")


class Bilan(Doc):
    year: int
    version: int = Field(ge=1)
    status: Literal["draft", "published"]
    computed_at: dt.datetime | None
    published_at: dt.datetime | None
    data: dict[str, Any] = Text(
        "Instantané du bilan (figé une fois publié) : minutes entières, montants en "
        "chaînes \"183.33\", identifiants des établissements de « establishments ».",
        json_schema_extra={"required": [
            "year", "groupement", "convention", "establishments", "totals", "by_axis",
            "per_establishment", "matrix", "billing", "pending", "months", "meetings"]})


def _all(cls: type) -> list[type]:
    return [cls] + [m for sub in cls.__subclasses__() for m in _all(sub)]


for _model in _all(Doc):
    _model.model_rebuild()
MODELS = (Error, Token, Establishment, BillingIdentity, EstablishmentList, User, UserList,
          Standin, Me, Intervention, InterventionDetail, InterventionPage, Session, Billing,
          OrderedRow, OrderedFigures, YearClosure, Statement, StatementList, Bilan)


def components() -> dict[str, Any]:
    """The response schemas by name, for ``components/schemas``."""
    _, top = models_json_schema([(m, "validation") for m in MODELS],
                                ref_template="#/components/schemas/{model}",
                                schema_generator=fields.JsonSchema)
    defs = top["$defs"]
    for schema in defs.values():
        schema.pop("title", None)
        schema.pop("description", None)
    by_name = {m.__name__: m for m in _all(Doc)}
    inline = {name for name in defs if by_name[name].inline}
    result = {name: _inlined(schema, defs, inline) for name, schema in defs.items()
              if name not in inline}
    for name, schema in list(result.items()):
        model = by_name[name]
        if model.extends:
            base = model.__mro__[1].__name__
            own = {k: v for k, v in schema["properties"].items()
                   if k not in result[base]["properties"]}
            result[name] = {"allOf": [{"$ref": f"#/components/schemas/{base}"}, {
                "type": "object", "properties": own,
                "required": [k for k in schema["required"] if k in own]}]}
    return result


def _inlined(node: Any, defs: dict[str, Any], inline: set[str]) -> Any:
    """``node`` with the references to ``inline`` models replaced by their schema."""
    if isinstance(node, list):
        return [_inlined(v, defs, inline) for v in node]
    if not isinstance(node, dict):
        return node
    name = node.get("$ref", "").rpartition("/")[2]
    if name in inline:
        return _inlined({**defs[name], **{k: v for k, v in node.items() if k != "$ref"}},
                        defs, inline)
    return {k: _inlined(v, defs, inline) for k, v in node.items()}
