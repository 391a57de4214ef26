"""The groupement's identity card (seed 002 « carte d'identité du groupement »),
readable by every person of the groupement and written by its coordinator, its
PDF, and the governance section of the annual bilan.

What the card shows comes from two places: the text the coordinator writes
(:class:`GroupementProfile`), and the live tables (member establishments with
their FINESS, candidacies in progress, the convention's versions and periods,
the technicians as the default number of resource persons).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from flask_babel import gettext
from sqlalchemy import and_, extract, func, select

from gic import pdf, timeutil
from gic.audit.services import record
from gic.convention.history import version_on
from gic.convention.weights import VoteRule
from gic.errors import InvalidField
from gic.extensions import db
from gic.governance.models import (
    Ballot,
    GroupementProfile,
    Procedure,
    ProcedureKind,
    ProcedureStatus,
)
from gic.governance.periods import Period, periods
from gic.models import (
    ConventionVersion,
    Establishment,
    Groupement,
    MembershipStatus,
    Role,
    User,
)
from gic.policy import authorize
from gic.registers import clean_text

CARD_TEXTS = {  # field -> (label, limit)
    "full_name": ("Nom complet", 200), "department": ("Département", 100),
    "city": ("Ville", 100), "sector": ("Secteur d'activité", 200),
    "public_served": ("Public accueilli", 2000), "cooperation": ("Objet de la coopération", 4000),
    "agreements": ("Nature des accords", 4000), "entry_terms": ("Modalités d'entrée", 4000),
    "governance": ("Mode de gouvernance", 4000),
}
MAX_RESOURCE_PERSONS = 10_000


@dataclass
class Card:
    """Everything the identity card page and its PDF show."""

    groupement: Groupement
    profile: GroupementProfile
    members: list[Establishment]
    candidacies: list[Procedure]
    technicians: int
    first_version: ConventionVersion
    terms_today: ConventionVersion
    periods: list[Period]
    today: date
    admitted_on: dict[int, datetime]  # establishment id -> unanimity (others: founders)
    # Admitted by the members' weighted vote (ordered-hours model, issue 16 item 6).
    weighted_admissions: frozenset[int] = frozenset()

    @property
    def weighted_terms(self) -> ConventionVersion | None:
        """The version in force when it weighs the votes (ordered-hours model)."""
        return self.terms_today if self.terms_today.is_ordered_hours else None

    @property
    def resource_persons(self) -> int:
        """The number entered by the coordinator, else the members' technicians."""
        return (self.profile.resource_persons if self.profile.resource_persons is not None
                else self.technicians)

    @property
    def end(self) -> date:
        """The convention's last day as renewed so far."""
        return self.periods[-1].end

    @property
    def lapsed(self) -> bool:
        """True once the last period is over without a renewal."""
        return self.end < self.today

    @property
    def stamp(self) -> datetime:
        """The card's date for the PDF's metadata (its last edit, else the groupement's
        registration): the same card gives the same bytes."""
        return self.profile.updated_at or self.groupement.created_at


def profile_of(groupement_id: int) -> GroupementProfile:
    """The stored card, or an empty one (not added to the session)."""
    profile = db.session.scalars(select(GroupementProfile).where(
        GroupementProfile.groupement_id == groupement_id)).first()
    if profile is None:
        profile = GroupementProfile(groupement_id=groupement_id, resource_persons=None,
                                    **dict.fromkeys(CARD_TEXTS, ""))
    return profile


def member_establishments(groupement_id: int) -> list[Establishment]:
    """The members (founding or admitted), by name."""
    return list(db.session.scalars(select(Establishment).where(
        Establishment.groupement_id == groupement_id,
        Establishment.status == MembershipStatus.MEMBER).order_by(Establishment.name)))


def card(user: User, today: date | None = None) -> Card:
    """The identity card of the user's groupement (any person of the groupement)."""
    groupement = user.groupement
    gid = groupement.id
    technicians = db.session.scalar(
        select(func.count(User.id)).join(Establishment, Establishment.id == User.establishment_id)
        .where(User.groupement_id == gid, User.role == Role.TECHNICIAN, User.active.is_(True),
               Establishment.status == MembershipStatus.MEMBER)) or 0
    candidacies = list(db.session.scalars(select(Procedure).where(
        Procedure.groupement_id == gid, Procedure.kind == ProcedureKind.MEMBERSHIP,
        Procedure.status == ProcedureStatus.OPEN).order_by(Procedure.opened_at)))
    today = today or timeutil.local_today(groupement.timezone)
    admissions = db.session.execute(
        select(Procedure.establishment_id, Procedure.closed_at, Procedure.rule).where(
            Procedure.groupement_id == gid, Procedure.kind == ProcedureKind.MEMBERSHIP,
            Procedure.status == ProcedureStatus.APPROVED)).all()
    return Card(
        groupement=groupement, profile=profile_of(gid), members=member_establishments(gid),
        candidacies=candidacies, technicians=technicians,
        first_version=version_on(gid, date.min),
        terms_today=version_on(gid, today), periods=periods(groupement),
        today=today, admitted_on={eid: closed for eid, closed, _rule in admissions},
        weighted_admissions=frozenset(eid for eid, _closed, rule in admissions
                                      if rule == VoteRule.WEIGHTED))


def update_card(actor: User, *, resource_persons: int | None, **texts: str) -> GroupementProfile:
    """The coordinator writes the card's texts (and, optionally, the number of
    resource persons: empty means « the members' technicians »)."""
    authorize(actor, "governance.edit_card")
    values = {name: clean_text(texts.get(name), name, label=label, max_length=limit)
              for name, (label, limit) in CARD_TEXTS.items()}
    if resource_persons is not None and not 0 <= resource_persons <= MAX_RESOURCE_PERSONS:
        raise InvalidField(gettext("Nombre de personnes ressources invalide."),
                           field="resource_persons")
    profile = profile_of(actor.groupement_id)
    before = {name: getattr(profile, name) for name in CARD_TEXTS}
    before["resource_persons"] = profile.resource_persons
    for name, value in values.items():
        setattr(profile, name, value)
    profile.resource_persons = resource_persons
    profile.updated_at, profile.updated_by_id = timeutil.utcnow(), actor.id
    db.session.add(profile)
    db.session.flush()
    after = dict(values, resource_persons=resource_persons)
    record(actor, "governance.card_update", profile,
           before={k: v for k, v in before.items() if v != after[k]},
           after={k: v for k, v in after.items() if v != before[k]})
    db.session.commit()
    return profile


def card_pdf(user: User) -> bytes:
    """The identity card as an A4 PDF: the page's own template in its print variant,
    through WeasyPrint, with fixed metadata dates (:attr:`Card.stamp`)."""
    the_card = card(user)
    html = render_template("governance/card.html", print=True, card=the_card,
                           stamp=the_card.stamp)
    footer = gettext("Carte d'identité du groupement — page")  # then « 2 / 3 »
    return pdf.write_pdf(html, css=render_template("governance/print.css", footer=footer))


# --- Bilan -------------------------------------------------------------------------------

def bilan_section(groupement_id: int, year: int) -> dict:
    """The year's governance for the bilan: procedures closed (approved, refused,
    withdrawn) and opened, members admitted, renewals, convention versions that
    came into force, and each establishment's votes. Five queries, grouped."""
    in_year = and_(Procedure.groupement_id == groupement_id,
                   extract("year", Procedure.closed_at) == year)
    counts = {kind.value: {"opened": 0, "approved": 0, "refused": 0, "withdrawn": 0}
              for kind in ProcedureKind}
    for kind, status, n in db.session.execute(
            select(Procedure.kind, Procedure.status, func.count(Procedure.id))
            .where(in_year).group_by(Procedure.kind, Procedure.status)):
        if status in counts[kind]:
            counts[kind][status] += n
    for kind, n in db.session.execute(
            select(Procedure.kind, func.count(Procedure.id))
            .where(Procedure.groupement_id == groupement_id,
                   extract("year", Procedure.opened_at) == year).group_by(Procedure.kind)):
        counts[kind]["opened"] = n
    approved = db.session.execute(
        select(Procedure.kind, Procedure.establishment_id, Procedure.candidate_name,
               Procedure.closed_at, Procedure.period_end, Procedure.new_period_end,
               Procedure.rule)
        .where(in_year, Procedure.status == ProcedureStatus.APPROVED)
        .order_by(Procedure.closed_at, Procedure.id)).all()
    votes: dict[int, dict[str, int]] = {}
    for eid, choice, n in db.session.execute(
            select(Ballot.establishment_id, Ballot.choice, func.count(Ballot.id))
            .join(Procedure, Procedure.id == Ballot.procedure_id)
            .where(Procedure.groupement_id == groupement_id, Ballot.choice.is_not(None),
                   extract("year", Ballot.cast_at) == year)
            .group_by(Ballot.establishment_id, Ballot.choice)):
        row = votes.setdefault(eid, {"for": 0, "against": 0})
        row[choice] = n
    versions = db.session.execute(
        select(ConventionVersion.valid_from, ConventionVersion.threshold_minutes,
               ConventionVersion.cap_minutes, ConventionVersion.hourly_rate,
               ConventionVersion.duration_years)
        .where(ConventionVersion.groupement_id == groupement_id,
               extract("year", ConventionVersion.valid_from) == year)
        .order_by(ConventionVersion.valid_from)).all()
    return {
        "year": year,
        "procedures": counts,
        "admitted": [{"establishment_id": eid, "name": name, "on": closed.date().isoformat(),
                      "weighted": rule == VoteRule.WEIGHTED}
                     for kind, eid, name, closed, _e, _n, rule in approved
                     if kind == ProcedureKind.MEMBERSHIP],
        "renewals": [{"on": closed.date().isoformat(), "period_end": end.isoformat(),
                      "new_period_end": new.isoformat(), "weighted": rule == VoteRule.WEIGHTED}
                     for kind, _eid, _name, closed, end, new, rule in approved
                     if kind == ProcedureKind.RENEWAL and end and new],
        # Approvals by the members' weighted vote (ordered-hours model, issue 16 item 6).
        "weighted": {kind.value: sum(1 for k, *_rest, rule in approved
                                     if k == kind and rule == VoteRule.WEIGHTED)
                     for kind in ProcedureKind},
        "versions": [{"valid_from": day.isoformat(), "threshold_minutes": threshold,
                      "cap_minutes": cap, "hourly_rate": f"{rate:.2f}",
                      "duration_years": duration}
                     for day, threshold, cap, rate, duration in versions],
        "per_establishment": [{"establishment_id": eid, "votes_for": v["for"],
                               "votes_against": v["against"]}
                              for eid, v in sorted(votes.items())],
    }
