"""Who votes, and how much each member weighs (issue 16 item 6).

The member establishments vote; an establishment taking part as « utilisateur »
(ordered-hours model) never does. Under the per-intervention model (GIC 65)
every decision is taken by unanimity, as before. Under the ordered-hours model
the general assembly's votes weigh each member by its contributions of the
current year (:func:`gic.ordered.ledger.contributions`), with the quorum and
majority of the convention version in force; unanimity stays available.
The rule itself is :mod:`gic.convention.weights` (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from gic.convention.history import version_on
from gic.convention.weights import VoteRule, percent_text
from gic.errors import InvalidField
from gic.extensions import db
from gic.models import ConventionModel, Establishment, MembershipStatus, Participation
from gic.ordered import ledger

ZERO = Decimal("0.00")
WEIGHTED_ONLY_ORDERED = lazy_gettext("Le vote pondéré par les contributions ne s'applique "
                                     "qu'aux conventions en heures commandées : ici, la "
                                     "décision se prend à l'unanimité.")


@dataclass(frozen=True)
class WeightedTerms:
    """The weighted vote's settings on a day: the year whose contributions weigh,
    the quorum and the majority (percent) of the version then in force."""

    year: int
    quorum_percent: int
    majority_percent: int

    @property
    def text(self) -> str:
        """« quorum 50 %, majorité : plus de 50 % des voix exprimées »."""
        return gettext("quorum %(quorum)s des voix, majorité : plus de %(majority)s des voix "
                       "exprimées", quorum=percent_text(self.quorum_percent),
                       majority=percent_text(self.majority_percent))


def weighted_terms(groupement_id: int, day: date) -> WeightedTerms | None:
    """The weighted vote's settings on ``day``; None under the per-intervention model."""
    version = version_on(groupement_id, day)
    if version.model != ConventionModel.ORDERED_HOURS:
        return None
    return WeightedTerms(day.year, version.quorum_percent, version.majority_percent)


def voters(groupement_id: int) -> list[Establishment]:
    """The member establishments that vote (not the « utilisateurs »), by name."""
    return list(db.session.scalars(select(Establishment).where(
        Establishment.groupement_id == groupement_id,
        Establishment.status == MembershipStatus.MEMBER,
        Establishment.participation != Participation.USER).order_by(Establishment.name)))


def weights(groupement_id: int, year: int, establishment_ids) -> dict[int, Decimal]:
    """Each voter's contributions of ``year`` (0 when it has none)."""
    amounts = ledger.contributions(groupement_id, year)
    return {i: Decimal(amounts.get(i, ZERO)).quantize(Decimal("0.01"))
            for i in establishment_ids}


def rule_choices(terms: WeightedTerms | None) -> list[tuple[str, str]]:
    """The rules a procedure or decision may be opened with, weighted first."""
    if terms is None:
        return [(VoteRule.UNANIMITY.value, VoteRule.UNANIMITY.label)]
    return [(VoteRule.WEIGHTED.value, gettext("%(rule)s (%(terms)s)", rule=VoteRule.WEIGHTED.label,
                                              terms=terms.text)),
            (VoteRule.UNANIMITY.value, VoteRule.UNANIMITY.label)]


def checked_rule(value: str | None, terms: WeightedTerms | None) -> VoteRule:
    """The rule asked (none: weighted under the ordered-hours model, else unanimity);
    weighted under the per-intervention model is refused on the ``rule`` field."""
    if not value:
        return VoteRule.WEIGHTED if terms is not None else VoteRule.UNANIMITY
    try:
        rule = VoteRule(value)
    except ValueError:
        raise InvalidField(gettext("Règle de décision inconnue."), field="rule") from None
    if rule == VoteRule.WEIGHTED and terms is None:
        raise InvalidField(WEIGHTED_ONLY_ORDERED, field="rule")
    return rule
