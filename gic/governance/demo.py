"""Demo data of the governance area, played through the real services.

GIC 65: the identity card of seed 002; the convention renewed by unanimity when
its period ended within the demo's years; a candidacy refused last year (with
its reason) and one in progress, waiting for the vote of EHPAD d'Argelès-Gazost.
GCSMS Démo: a plausible card, the renewal of a period ending soon half-voted,
and a new hourly rate from next 1 January (a future version of the convention).
GCSMS ISI Démo (ordered hours, issue 16): the card of seed 002.
Timestamps, audit entries and notifications are moved back to the days the
steps happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import update

from gic.audit.models import AuditEntry
from gic.convention.constants import (
    DEFAULT_CAP_MINUTES,
    DEFAULT_DURATION_YEARS,
    DEFAULT_THRESHOLD_MINUTES,
)
from gic.demo_context import DemoContext
from gic.errors import RuleRefused
from gic.extensions import db
from gic.governance import procedures
from gic.governance.models import GroupementProfile, Procedure
from gic.governance.periods import convention_end
from gic.governance.services import update_card
from gic.governance.versions import create_version
from gic.notifications.models import Notification


@dataclass(frozen=True)
class Vote:
    """A director's vote ``days`` after the opening (``reason``: a refusal)."""

    place: str
    days: int
    reason: str = ""


CARDS = {
    "GIC 65": {
        "full_name": "Groupement Informatique de Coopération (GIC)",
        "department": "Hautes-Pyrénées (65)", "city": "",
        "sector": "Médico-social",
        "public_served": "Enfants et adultes handicapés, personnes âgées.",
        "cooperation": "Périmètre d'action et d'intervention défini pour chaque axe de "
                       "partenariat. Le soutien ponctuel et les remplacements sont à la seule "
                       "initiative de la direction de chaque établissement ; ils ne sont pas "
                       "activés pour du support ou de la formation des utilisateurs, ni pour "
                       "des modifications définitives du système d'information.",
        "agreements": "Convention de partenariat signée le 30 septembre 2019. Information des "
                      "partenaires institutionnels : ARS, CD 65. Confidentialité des "
                      "informations et respect du secret professionnel pour l'ensemble des "
                      "acteurs.",
        "resource_persons": 4,
        "entry_terms": "Convention conclue pour 3 ans, renouvelable avec l'accord de "
                       "l'ensemble des parties. Toute nouvelle demande d'adhésion est soumise "
                       "à l'approbation de l'ensemble des parties.",
        "governance": "Réunion des techniciens informatiques 3 fois par an ; réunion des "
                      "directions 1 fois par an ou sur demande, pour la validation des projets. "
                      "Compte rendu écrit de chaque rencontre. Bilan annuel remis à chaque "
                      "direction.",
    },
    "GCSMS Démo": {
        "full_name": "Groupement de coopération sociale et médico-sociale Démo",
        "department": "Gers (32)", "city": "Auch",
        "sector": "Médico-social (handicap adulte, grand âge)",
        "public_served": "Adultes en situation de handicap (MAS, FAM), personnes âgées "
                         "dépendantes (EHPAD).",
        "cooperation": "Mutualisation des compétences informatiques des trois établissements, "
                       "en priorité pour les remplacements pendant les congés.",
        "agreements": "Convention constitutive du GCSMS et règlement intérieur.",
        "resource_persons": None,
        "entry_terms": "Être un établissement médico-social du Gers à but non lucratif ; "
                       "candidature présentée par la coordination et approuvée par chaque "
                       "direction membre.",
        "governance": "Comité des directions deux fois par an ; décisions à l'unanimité.",
    },
    "GCSMS ISI Démo": {
        "full_name": "GCSMS Informatique et Systèmes d'Information (démonstration)",
        "department": "Hérault (34)", "city": "Montpellier",
        "sector": "Informatique",
        "public_served": "",
        "cooperation": "Mutualisation de ressources humaines informatiques : les membres et "
                       "les utilisateurs commandent chaque année un nombre d'heures de "
                       "prestation.",
        "agreements": "GCSMS (convention constitutive et règlement intérieur).",
        "resource_persons": 12,
        "entry_terms": "Être une entité à but non lucratif du secteur ; après un an de "
                       "travail en commun comme utilisateur, les candidatures sont examinées "
                       "en assemblée générale par les membres.",
        "governance": "Deux assemblées générales par an, un administrateur, un directeur "
                      "technique ; chaque membre a un nombre de voix proportionnel à ses "
                      "apports financiers sur le budget en cours.",
    },
}


def load_demo(builder: DemoContext) -> None:
    """The card, the renewals, the candidacies and the versions of one demo groupement."""
    card = CARDS.get(builder.demo.name)
    if card is None:
        return
    update_card(builder.coordinator, **card)
    at = builder.at(date(builder.today.year - 2, 1, 10), 10, 0)
    db.session.execute(update(GroupementProfile).where(
        GroupementProfile.groupement_id == builder.groupement.id).values(updated_at=at))
    _audit_at(builder.groupement.id, "GroupementProfile", None, at)
    _past_renewals(builder)
    if builder.demo.name == "GIC 65":
        _gic65(builder)
    elif builder.demo.model == "per_intervention":
        _gcsms(builder)
    db.session.commit()


def _past_renewals(b: DemoContext) -> None:
    """Periods that ended before today were renewed, all directors agreeing, some
    three months before their end."""
    everyone = [Vote(key, 3 + 4 * n) for n, key in enumerate(sorted(b.directors))]
    while (end := convention_end(b.groupement)) < b.today:
        opened = end - timedelta(days=100)
        procedure = procedures.open_renewal(
            b.coordinator, today=opened,
            message="La période de la convention se termine : la coordination propose de la "
                    "renouveler pour la même durée, aux mêmes conditions.")
        _votes(b, procedure, opened, everyone)


def _gic65(b: DemoContext) -> None:
    year = b.today.year
    refused = procedures.propose_member(
        b.coordinator, name="SSIAD du Val d'Azun", finess="650003512",
        contact="M. Bernard Lacoste, directeur — 05 62 97 00 00",
        message="Le SSIAD souhaite rejoindre le groupement pour bénéficier des remplacements "
                "et des formations communes.")
    _votes(b, refused, date(year - 1, 3, 12), [
        Vote("E", 2),
        Vote("A", 6, "Le SSIAD n'a pas de technicien informatique : il bénéficierait des "
                     "interventions sans pouvoir en rendre. À revoir quand son poste sera "
                     "pourvu.")])
    opened = b.today - timedelta(days=12)
    pending = procedures.propose_member(
        b.coordinator, name="IME de Bagnères-de-Bigorre", finess="650781995",
        contact="Mme Anne Verdier, directrice — direction@ime-bagneres.test — 05 62 95 00 00",
        message="L'IME a un technicien à mi-temps et partage déjà le groupement d'achat des "
                "établissements : sa candidature a été présentée à la dernière réunion des "
                "directions.")
    _votes(b, pending, opened, [Vote("E", 2), Vote("L", 6)])


def _gcsms(b: DemoContext) -> None:
    end = convention_end(b.groupement)
    opened = b.today - timedelta(days=9)
    try:
        procedure = procedures.open_renewal(
            b.coordinator, today=opened,
            message=f"La période de la convention se termine le {end:%d/%m/%Y} : merci de "
                    "donner l'accord de votre établissement pour son renouvellement.")
    except RuleRefused:  # the period does not end within a year of the demo's day
        procedure = None
    if procedure is not None:
        keys = sorted(b.directors)
        _votes(b, procedure, opened, [Vote(keys[0], 1), Vote(keys[1], 4)])
    create_version(b.coordinator, today=b.today, valid_from=date(b.today.year + 1, 1, 1),
                   threshold_minutes=DEFAULT_THRESHOLD_MINUTES, cap_minutes=DEFAULT_CAP_MINUTES,
                   hourly_rate=Decimal("32.00"), duration_years=DEFAULT_DURATION_YEARS)
    at = b.at(b.today - timedelta(days=5), 11, 30)
    _audit_at(b.groupement.id, "ConventionVersion", None, at)


def _votes(b: DemoContext, procedure: Procedure, opened: date, votes: list[Vote]) -> None:
    """Cast ``votes`` and move the procedure's dates back to ``opened`` and after."""
    opened_at = b.at(opened, 9, 30)
    gid = b.groupement.id
    _stamp(gid, procedure.id, "governance.open", opened_at)
    db.session.execute(update(Procedure).where(Procedure.id == procedure.id)
                       .values(opened_at=opened_at))
    for vote in votes:
        at = b.at(opened + timedelta(days=vote.days), 17, 10)
        director = b.directors[vote.place]
        procedures.cast_ballot(procedure, director, choice="against" if vote.reason else "for",
                               reason=vote.reason, now=at)
        db.session.execute(update(AuditEntry).where(
            AuditEntry.groupement_id == gid, AuditEntry.object_type == "Procedure",
            AuditEntry.object_id == procedure.id, AuditEntry.action == "governance.vote",
            AuditEntry.establishment_id == director.establishment_id).values(at=at))
        db.session.refresh(procedure)
        if not procedure.is_open:
            db.session.execute(update(Procedure).where(Procedure.id == procedure.id)
                               .values(closed_at=at))
            for action in ("governance.approve", "governance.refuse"):
                _stamp(gid, procedure.id, action, at)
            _notifications(b, f"governance:{procedure.id}:{procedure.status}", at)
            break
    _notifications(b, f"governance:{procedure.id}:vote", opened_at)
    db.session.commit()


def _stamp(gid: int, procedure_id: int, action: str, at: datetime) -> None:
    db.session.execute(update(AuditEntry).where(
        AuditEntry.groupement_id == gid, AuditEntry.object_type == "Procedure",
        AuditEntry.object_id == procedure_id, AuditEntry.action == action).values(at=at))


def _audit_at(gid: int, object_type: str, object_id: int | None, at: datetime) -> None:
    stmt = update(AuditEntry).where(AuditEntry.groupement_id == gid,
                                    AuditEntry.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    db.session.execute(stmt.values(at=at))


def _notifications(b: DemoContext, key: str, at: datetime) -> None:
    """Dated ``at``; read the next day when that is over a week ago."""
    read = at + timedelta(days=1)
    old = read < datetime.combine(b.today - timedelta(days=7), time())
    db.session.execute(update(Notification).where(
        Notification.groupement_id == b.groupement.id, Notification.key == key)
        .values(created_at=at, read_at=read if old else None))

